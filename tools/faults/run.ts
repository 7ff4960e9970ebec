/**
 * `npm run test:faults`: the fault-injection and bad-input suite. Runs both apps from the built
 * output as separate processes against MariaDB and the SQS stand-in, injects real faults
 * (signals, connections cut at a proxy, a killed SQS server) under load, and checks that every
 * accepted payment is counted exactly once. Prints a table; exits 1 if any invariant broke.
 *
 *   npm run test:faults                      build, then every scenario
 *   npx tsx tools/faults/run.ts --only 4,7   some scenarios, on the current build
 *
 * Needs MariaDB on 127.0.0.1:3306 (FAULTS_MYSQL_URL to change it); creates and drops its own
 * `faults_*` databases. Logs of the apps go to a temporary directory, kept when a scenario fails
 * (or FAULTS_KEEP_LOGS is set).
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Harness } from './cluster';
import { killLeftovers } from '../testing/processes';
import { renderDetails, renderTables, ScenarioResult } from './report';
import type { Scenario, ScenarioOutcome } from './scenario';
import { SCENARIOS } from './scenarios';

// The SDK warns once per client about Node 20; the apps' images run Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Hard bound on the whole run, whatever hangs: a CI job must end. */
const RUN_TIMEOUT_MS = 12 * 60_000;
const BACKGROUND_STAGGER_MS = 5_000;

function selected(): Scenario[] {
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const only = (values.only ?? process.env.FAULTS_ONLY ?? '')
    .split(',')
    .filter(Boolean)
    .map(Number);
  return only.length > 0 ? SCENARIOS.filter((s) => only.includes(s.id)) : SCENARIOS;
}

function crashed(err: unknown): ScenarioOutcome {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return {
    accepted: 0,
    completed: 0,
    failed: 0,
    lost: 0,
    countedTwice: 0,
    dlq: 0,
    failures: [`the scenario crashed: ${message}`],
    notes: [],
  };
}

async function main(): Promise<number> {
  const scenarios = selected();
  const harness = await Harness.start();
  let interrupted = false;
  const interrupt = (signal: NodeJS.Signals): void => {
    if (interrupted) {
      return;
    }
    interrupted = true;
    process.stdout.write(
      `\n${signal}: stopping the apps and dropping the databases (app logs in ${harness.dir})…\n`,
    );
    const force = setTimeout(() => process.exit(130), 20_000);
    void harness.close(true).finally(() => {
      clearTimeout(force);
      process.exit(130);
    });
  };
  (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).forEach((s) => process.once(s, interrupt));
  const watchdog = setTimeout(() => interrupt('SIGTERM'), RUN_TIMEOUT_MS);
  watchdog.unref();

  const results: ScenarioResult[] = [];
  const began = Date.now();
  const play = async (scenario: Scenario): Promise<void> => {
    const log = (line: string): void => {
      process.stdout.write(`[${scenario.id}] ${line}\n`);
    };
    log(`${scenario.name}${scenario.background ? ' (in the background)' : ''}`);
    const started = Date.now();
    const outcome = await scenario.run({ harness, log }).catch(crashed);
    if (interrupted) {
      return; // torn down under it: whatever it reports is an artefact of the teardown
    }
    const result = { ...outcome, id: scenario.id, name: scenario.name };
    results.push({ ...result, durationMs: Date.now() - started });
    const summary = outcome.failures.join('; ');
    log(outcome.failures.length === 0 ? 'pass' : `FAIL: ${summary.slice(0, 300)}`);
  };
  try {
    // The long ones start together and overlap the rest, each on its own cluster.
    // Started 5 s apart: five clusters migrating and warming up at once swamp two cores.
    const background = Promise.all(
      scenarios
        .filter((s) => s.background)
        .map(async (scenario, i) => {
          await new Promise((resolve) => setTimeout(resolve, i * BACKGROUND_STAGGER_MS));
          if (!interrupted) {
            await play(scenario);
          }
        }),
    );
    for (const scenario of scenarios.filter((s) => !s.background)) {
      if (interrupted) {
        break;
      }
      await play(scenario);
    }
    await background;
  } finally {
    await harness.close(interrupted);
  }
  results.sort((a, b) => a.id - b.id);
  if (interrupted) {
    return 130; // the figures of an interrupted run mean nothing
  }
  const failed = results.some((r) => r.failures.length > 0);
  process.stdout.write(`\n${renderTables(results)}\n\n${renderDetails(results)}\n`);
  process.stdout.write(
    `\n${results.length} scenarios in ${((Date.now() - began) / 1000).toFixed(0)} s: ` +
      `${failed ? 'FAILED' : 'all invariants hold'}\n`,
  );
  if (failed || process.env.FAULTS_KEEP_LOGS) {
    process.stdout.write(`app logs kept in ${harness.dir}\n`);
  } else {
    rmSync(harness.dir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

process.on('exit', killLeftovers);
main()
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    process.stderr.write(`fault suite error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  });

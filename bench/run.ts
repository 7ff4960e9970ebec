/**
 * `npm run bench [-- --quick] [-- --phases 2,3] [-- --profile]`: the pattern's promise measured
 * side by side in one run, on this machine, against its own ceilings. See docs/performance.md.
 *
 * 1 ceilings: raw mysql2 accept transactions/s; a no-op Nest endpoint on the same adapter
 * 2 accept: closed loop, 64 connections, worker running
 * 3 end to end: fixed arrival rate; accept and accept→COMPLETED latency, drain rate
 * 4 burst: N payments as fast as accepted, worker rate-capped well below; nothing lost
 * 5 slow downstream: sales DB +50 ms per round trip; our accept vs a synchronous baseline
 * then 2 and 3 again on the floor (bench/apps/floor/, no framework; `--no-floor` skips it):
 * ours / floor CPU per payment. Phase 3 prints each hop's p50/p99 (bench/phases/hops.ts).
 *
 * `--api-env K=V,…` / `--worker-env K=V,…` change the apps' settings for one run; `--dist <dir>`
 * runs another build of the apps.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { serverVersion } from '../tools/testing/databases';
import { ROOT } from '../tools/testing/processes';
import { formatProfile, profileSummaries } from './lib/profile';
import { formatChecks, formatTable, machine, source, versions } from './lib/report';
import { openSession } from './lib/session';
import { appPhases } from './phases/app-phases';
import { Bench } from './phases/bench';
import { ceilingsPhase } from './phases/ceilings';
import { floorChecks, floorPhases, floorRows } from './phases/floor';
import { flag, log, parseSettings } from './phases/settings';

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  const { startedAt, runId, workDir, profileDir, system, cleanup } = openSession('bench', settings);
  // `--dist <dir>`: another build of the apps (bench/build-variant.ts) instead of dist/.
  const dist = flag(process.argv.slice(2), 'dist');
  if (dist) {
    system.distRoot = resolve(dist);
  }
  const bench = new Bench(system, settings, runId);
  const results: Record<string, unknown> = {
    startedAt: startedAt.toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    machineBefore: machine(),
    versions: versions(await serverVersion()),
    source: source(),
    settings,
    logs: workDir,
  };
  log(`run ${runId}; logs in ${workDir}; phases ${settings.phases.join(',')}`);
  try {
    await system.startInfrastructure();
    log(`SQS stand-in on ${system.sqsEndpoint}; databases ${system.customerDb}, ${system.salesDb}`);
    if (settings.phases.includes(1)) {
      await ceilingsPhase(bench);
    }
    if (settings.phases.some((p) => p >= 2)) {
      await system.startApi();
      await system.startWorker();
      // Let start-up garbage settle before the resting reading.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      system.recordMemory('restMb');
      log(`apps up: customer-api pid ${system.api?.pid}, sales-worker pid ${system.worker?.pid}`);
      await appPhases(bench);
      await system.waitSettled(30_000);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      system.recordMemory('afterMb');
    }
    // The floor: phases 2 and 3 again on the frameworkless pipeline, in this run, after ours.
    if (settings.phases.some((p) => p === 2 || p === 3) && !process.argv.includes('--no-floor')) {
      const floor = await floorPhases(bench, runId);
      bench.rows.push(...floorRows(bench, floor));
      bench.checks.push(...floorChecks(floor));
      results.floor = { ...floor.results, headline: floor.headline };
    }
  } catch (err) {
    log(`run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    bench.checks.push({ name: 'run completed', ok: false, detail: String(err) });
  } finally {
    // The apps stop first (SIGTERM: their CPU profiles are written on exit), then the rest.
    await cleanup.run();
  }
  if (cleanup.interrupted) {
    return;
  }

  for (const [name, m] of system.memory) {
    if (name === 'customer-api' || name === 'sales-worker') {
      bench.rows.push(
        { figure: `memory ${name} at rest`, value: m.restMb ?? Number.NaN, unit: 'MB' },
        {
          figure: `memory ${name} peak`,
          value: m.peakMb,
          unit: 'MB',
          target: '≤ 200 MB',
          met: m.peakMb <= 200,
        },
        { figure: `memory ${name} after load`, value: m.afterMb ?? Number.NaN, unit: 'MB' },
      );
    }
  }
  const profiles = profileDir ? profileSummaries(profileDir) : undefined;
  const machineAfter = machine();
  Object.assign(results, bench.results, {
    ceilings: { ...bench.ceilings, detail: bench.results.ceilings },
    memory: Object.fromEntries(system.memory),
    checks: bench.checks,
    rows: bench.rows,
    profiles,
    machineAfter,
  });
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const out = join(ROOT, 'bench', 'results', `${runId}${settings.quick ? '-quick' : ''}.json`);
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  const load = (m: Record<string, unknown>): string => (m.loadAverage as number[]).join(' ');
  process.stdout.write(
    `\n${formatTable(bench.rows)}\n\n${formatChecks(bench.checks)}\n\n` +
      `load average (1/5/15 min) before ${load(results.machineBefore as Record<string, unknown>)}, ` +
      `after ${load(machineAfter)}; results ${out}\n`,
  );
  if (profiles) {
    process.stdout.write(`\n${profiles.map((p) => formatProfile(p)).join('\n\n')}\n`);
  }
  if (bench.checks.some((check) => !check.ok)) {
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});

/**
 * `npx tsx bench/compare.ts --variant before=<dist> --variant after=<dist>[@K=V;K=V]
 * [--phases 2,3] [--rounds 2] [--quick] [--profile]`: the same phases against two (or more)
 * builds of the apps (or one build with other settings), interleaved in one run (A B, then
 * B A, …) on fresh databases each time, so a change is judged by a ratio measured side by side
 * on this shared, noisy machine. Builds come from bench/build-variant.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT } from '../tools/testing/processes';
import { formatProfile, profileSummaries } from './lib/profile';
import { machine, source } from './lib/report';
import { openSession } from './lib/session';
import { appPhases } from './phases/app-phases';
import { Bench } from './phases/bench';
import { log, parseSettings } from './phases/settings';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const settings = parseSettings(argv, '2,3');
  const variants = argv
    .flatMap((a, i) => (a === '--variant' ? [argv[i + 1] ?? ''] : []))
    .map((spec) => {
      // name=<dist>[@K=V;K=V]: a build, and settings for both apps (`api:K=V`, `worker:K=V`: one).
      const [head, settingsPart] = spec.split('@');
      const [name, dir] = (head ?? '').split('=');
      const env = Object.fromEntries(
        (settingsPart ?? '')
          .split(';')
          .filter(Boolean)
          .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
      );
      return { name, dist: resolve(dir ?? ''), env };
    });
  if (variants.length < 2) {
    throw new Error('give at least two --variant name=<dist dir>');
  }
  const rounds = Number(argv[argv.indexOf('--rounds') + 1] ?? 2) || 2;
  const { runId, workDir, profileDir, system, cleanup } = openSession('compare', settings);
  const runs: { variant: string; round: number; headline: Record<string, number> }[] = [];
  const loadBefore = machine().loadAverage;
  log(`compare ${variants.map((v) => v.name).join(' vs ')}, ${rounds} rounds; logs in ${workDir}`);
  try {
    await system.startInfrastructure();
    for (let round = 0; round < rounds; round += 1) {
      // A B, then B A: whatever drifts over the run (other users' load) hits both alike.
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order) {
        log(`round ${round + 1}: ${variant.name} (${variant.dist})`);
        system.distRoot = variant.dist;
        system.extraEnv = variant.env;
        system.profileLabel = `${variant.name}-r${round + 1}`;
        await system.freshDatabases(`${variant.name.replace(/\W/g, '_')}_r${round + 1}`);
        system.memory.clear();
        await system.startApi();
        await system.startWorker();
        const bench = new Bench(system, settings, `${runId}-${variant.name}-${round}`);
        await appPhases(bench);
        for (const [name, reading] of system.memory) {
          bench.headline[`peak RSS MB: ${name}`] = reading.peakMb;
        }
        await system.stopApps();
        runs.push({ variant: variant.name, round: round + 1, headline: bench.headline });
      }
    }
  } finally {
    await cleanup.run();
  }
  if (cleanup.interrupted) {
    return;
  }
  const figures = [...new Set(runs.flatMap((r) => Object.keys(r.headline)))];
  const medians = figures.map((figure) => ({
    figure,
    byVariant: variants.map((v) =>
      median(runs.filter((r) => r.variant === v.name).map((r) => r.headline[figure] ?? NaN)),
    ),
  }));
  const width = Math.max(...figures.map((f) => f.length));
  const lines = [
    `${'figure (median of rounds)'.padEnd(width)} | ${variants.map((v) => v.name.padStart(10)).join(' | ')} | last/first`,
    ...medians.map(({ figure, byVariant }) => {
      const ratio = byVariant[byVariant.length - 1] / byVariant[0];
      return `${figure.padEnd(width)} | ${byVariant.map((v) => v.toFixed(1).padStart(10)).join(' | ')} | ${ratio.toFixed(2)}×`;
    }),
  ];
  const loadAfter = machine().loadAverage;
  const profiles = profileDir ? profileSummaries(profileDir) : undefined;
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const out = join(ROOT, 'bench', 'results', `${runId}-compare.json`);
  writeFileSync(
    out,
    `${JSON.stringify({ command: `tsx bench/compare.ts ${argv.join(' ')}`, source: source(), settings, variants, runs, medians, loadBefore, loadAfter, machine: machine(), profiles }, null, 2)}\n`,
  );
  process.stdout.write(
    `\n${lines.join('\n')}\n\nload average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}; results ${out}\n`,
  );
  if (profiles) {
    process.stdout.write(`\n${profiles.map((p) => formatProfile(p)).join('\n\n')}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `compare failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});

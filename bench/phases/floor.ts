import type { Check, Row } from '../lib/report';
import { appPhases } from './app-phases';
import { Bench } from './bench';
import { log } from './settings';

/**
 * Phases 2 and 3 again, on the floor pipeline (bench/apps/floor/: the same contract, tables,
 * transactions, outbox, messages, dedup and status update, with no framework), in the same run
 * and on fresh databases, after ours. Answers the floor's figures.
 */
export async function floorPhases(ours: Bench, runTag: string): Promise<Bench> {
  const { system, settings } = ours;
  await system.stopApps();
  system.floor = true;
  system.profileLabel = 'floor';
  try {
    await system.freshDatabases('floor');
    await system.startApi();
    await system.startWorker();
    log(`floor up: api pid ${system.api?.pid}, worker pid ${system.worker?.pid}`);
    const floor = new Bench(system, settings, `${runTag}-floor`);
    Object.assign(floor.ceilings, ours.ceilings);
    await appPhases(floor, [2, 3]);
    await system.waitSettled(settings.settleTimeoutS * 1000);
    return floor;
  } finally {
    await system.stopApps();
    system.floor = false;
  }
}

/** The phases compared, labelled with the rates this run used (`--e2e-rate` changes them). */
function scenarios(bench: Bench): { key: string; label: string; target?: number }[] {
  const { e2eRate, e2eLowRate } = bench.settings;
  return [
    { key: 'accept+drain CPU ms/payment', label: 'saturated (phase 2, load + drain)', target: 1.0 },
    { key: 'e2e CPU ms/payment', label: `phase 3 (${e2eRate}/s)` },
    {
      key: `e2e@${e2eLowRate} CPU ms/payment`,
      label: `phase 3b (${e2eLowRate}/s)`,
      // The target is for 200/s.
      target: e2eLowRate === 200 ? 2.0 : undefined,
    },
  ];
}

/** Ours over the floor: CPU per payment per process, and a few latencies, side by side. */
export function floorRows(ours: Bench, floor: Bench): Row[] {
  const rows: Row[] = [];
  for (const { key, label, target } of scenarios(ours)) {
    const pick = (b: Bench, name: string): number => b.headline[`${key}: ${name}`] ?? NaN;
    const both = (b: Bench): number => pick(b, 'customer-api') + pick(b, 'sales-worker');
    if (Number.isNaN(both(ours)) && Number.isNaN(both(floor))) {
      continue; // a phase this run left out (--phases, --quick)
    }
    const sides = [
      ['api', (b: Bench) => pick(b, 'customer-api')],
      ['worker', (b: Bench) => pick(b, 'sales-worker')],
      ['api+worker', both],
    ] as const;
    for (const [name, of] of sides) {
      const ratio = of(ours) / of(floor);
      rows.push({
        figure: `floor: CPU ms/payment ${name}, ${label}: ours / floor`,
        value: ratio,
        unit: `× (ours ${of(ours).toFixed(2)}, floor ${of(floor).toFixed(2)})`,
        ...(name === 'api+worker' ? { target: '≤ 1.5×', met: ratio <= 1.5 } : {}),
      });
    }
    if (target !== undefined) {
      rows.push({
        figure: `CPU ms/payment api+worker, ${label} (ours)`,
        value: both(ours),
        unit: 'ms',
        target: `≤ ${target}`,
        met: both(ours) <= target,
      });
    }
  }
  const low = ours.settings.e2eLowRate;
  const same = [
    ['accept /s', 'phase 2 accept throughput'],
    ['drain after accept /s', 'phase 2 drain after load'],
    ['e2e completion p50 ms', 'phase 3 accept→COMPLETED p50'],
    ['e2e completion p99 ms', 'phase 3 accept→COMPLETED p99'],
    [`e2e@${low} completion p50 ms`, 'phase 3b accept→COMPLETED p50'],
    [`e2e@${low} completion p99 ms`, 'phase 3b accept→COMPLETED p99'],
  ] as const;
  for (const [key, label] of same) {
    const o = ours.headline[key] ?? NaN;
    const f = floor.headline[key] ?? NaN;
    if (Number.isNaN(o) && Number.isNaN(f)) {
      continue;
    }
    rows.push({
      figure: `floor: ${label}: ours / floor`,
      value: o / f,
      unit: `× (ours ${o.toFixed(1)}, floor ${f.toFixed(1)})`,
    });
  }
  // The floor's own per-hop rows, to set beside ours.
  rows.push(
    ...floor.rows
      .filter((r) => r.figure.includes(' hop '))
      .map((r) => ({ ...r, figure: `floor: ${r.figure}` })),
  );
  return rows;
}

export function floorChecks(floor: Bench): Check[] {
  return floor.checks.map((c) => ({ ...c, name: `floor: ${c.name}` }));
}

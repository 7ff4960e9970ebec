import { Totals } from '../lib/payloads';
import { latencyRow, throughputRow } from '../lib/report';
import type { Bench } from './bench';
import {
  depthSeries,
  describeLoad,
  drainAfter,
  fiveXx,
  maxOf,
  round,
  sameTotals,
  writeRate,
} from './measures';
import { log } from './settings';

/** 4: a burst far above the worker's rate cap: every payment accepted and counted once. */
export async function burstPhase(bench: Bench): Promise<void> {
  const { settings, system, ceilings } = bench;
  const cap = settings.burstWorkerRate;
  log(`phase 4: burst of ${settings.burstCount}, worker capped at ${cap}/s`);
  await system.startWorker({ WORKER_RATE_LIMIT: String(cap) });
  const payloads = bench.payloads('p4');
  const totals = new Totals();
  const sampler = system.startDepthSampler(settings.quick ? 500 : 1_000);
  const burst = await bench.closed(bench.api, payloads, {
    amount: settings.burstCount,
    totals,
  });
  const loadEnd = Date.now();
  log(`  ${describeLoad(burst)}`);
  const settled = await system.waitSettled((settings.burstCount / cap) * 1500 + 60_000);
  await sampler.stop();
  const paid = await system.paymentsOf(payloads.period);
  const drain = drainAfter(paid, loadEnd);
  // The cap holds the worker's writes: measure it at the sales DB, over the whole span.
  const written = await system.salesWrittenAt(payloads.period);
  const workerRate = writeRate(written, written[0] ?? 0, written[written.length - 1] ?? 0);
  const expected = totals.toList();
  const committed = await system.customerTotals(payloads.period);
  const counted = await system.salesTotals(payloads.period);
  // Every request was answered (a count, not a duration), so all three must agree exactly.
  const exact = sameTotals(expected, committed) && sameTotals(expected, counted);
  const completed = paid.filter((r) => r.status === 'COMPLETED').length;
  const failed = paid.filter((r) => r.status === 'FAILED').length;
  const last = sampler.samples[sampler.samples.length - 1];
  const dlq = last ? last.salesDlq + last.statusDlq : Number.NaN;
  const maxDepth = maxOf(sampler.samples, (s) => s.sales.visible + s.sales.inFlight);
  log(
    `  drained ${drain.completed} after the burst in ${round(drain.seconds)} s (${Math.round(drain.rate)}/s); max sales queue ${maxDepth}; totals exact: ${exact}`,
  );
  log(`  sales queue depth over time: ${depthSeries(sampler.samples, 12)}`);
  bench.checks.push(
    {
      name: 'phase 4 every payment accepted, no 5xx',
      ok: fiveXx(burst.status) === 0 && burst.errors === 0 && burst.ok === settings.burstCount,
      detail: `${burst.ok}/${settings.burstCount} answered 202, ${fiveXx(burst.status)} 5xx, ${burst.errors} errors`,
    },
    {
      name: 'phase 4 all COMPLETED',
      ok: settled && completed === burst.ok && failed === 0,
      detail: `${completed} COMPLETED, ${failed} FAILED of ${burst.ok}`,
    },
    {
      name: 'phase 4 totals exact (202s = customer DB = sales DB)',
      ok: exact,
      detail: JSON.stringify({ expected, committed, counted }),
    },
    { name: 'phase 4 DLQs empty', ok: dlq === 0, detail: String(dlq) },
    {
      // The bucket lets one second's worth through at once: allow that on top of the cap,
      // and 3 % for the timestamps' jitter (taken before the batch's commit).
      name: 'phase 4 worker kept to its cap (sales DB writes)',
      ok: written.length <= 1.03 * cap * ((written[written.length - 1] - written[0]) / 1000 + 1),
      detail: `${Math.round(workerRate)}/s written against a cap of ${cap}/s`,
    },
  );
  bench.results.burst = {
    load: burst,
    workerRateLimit: cap,
    drainAfterLoad: drain,
    workerWritesPerSecond: workerRate,
    totals: { expected, committed, counted, exact },
    completed,
    failed,
    depth: sampler.samples,
    settled,
  };
  Object.assign(bench.headline, {
    'burst accept /s': burst.throughput,
    'burst accept p99 ms': burst.latencyMs.p99,
    'burst drain /s': drain.rate,
  });
  bench.rows.push(
    throughputRow(`4 burst accept throughput (${settings.burstCount})`, burst.throughput, ceilings),
    latencyRow('4 burst accept p99', burst.latencyMs.p99, ceilings.noopP99),
    { figure: '4 burst max sales queue depth', value: maxDepth, unit: 'msgs' },
    throughputRow(`4 burst: worker sales writes (cap ${cap}/s)`, workerRate, ceilings),
    throughputRow('4 burst: completions after the burst', drain.rate, ceilings),
    {
      figure: '4 burst COMPLETED / accepted',
      value: burst.ok > 0 ? completed / burst.ok : Number.NaN,
      unit: '',
      target: '1.0, totals exact',
      met: completed === burst.ok && exact,
    },
  );
  await system.startWorker();
}

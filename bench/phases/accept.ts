import { startCpuMeter } from '../lib/cpu';
import { Totals } from '../lib/payloads';
import { latencyRow, throughputRow } from '../lib/report';
import type { Bench } from './bench';
import {
  cpuPerPayment,
  describeCpu,
  describeLoad,
  drainAfter,
  fiveXx,
  pendingSeries,
  round,
  writeRate,
} from './measures';
import { log } from './settings';

/** 2: closed-loop accept with the worker running, then the backlog's drain. */
export async function acceptPhase(bench: Bench): Promise<void> {
  const { settings, system, ceilings } = bench;
  log(`phase 2: accept, closed loop, ${bench.c} connections, ${settings.acceptS} s`);
  const warm = bench.payloads('p2w');
  await bench.closed(bench.api, warm, { durationS: settings.warmupS });
  // The warm-up's backlog drained first, so the CPU read to the end of the drain is this load's.
  await system.waitSettled(settings.settleTimeoutS * 1000);
  const payloads = bench.payloads('p2');
  const totals = new Totals();
  const loadStart = Date.now();
  const sampler = system.startDepthSampler(1_000);
  const stopCpu = startCpuMeter(system.cpuPids());
  const accept = await bench.closed(bench.api, payloads, {
    durationS: settings.acceptS,
    totals,
  });
  const cpu = stopCpu();
  const loadEnd = Date.now();
  const atEnd = await system.depth(0);
  log(`  ${describeLoad(accept)}; backlog at end: ${atEnd.pending} pending`);
  log(`  ${describeCpu(cpu, accept.ok)}`);
  const settled = await system.waitSettled(settings.settleTimeoutS * 1000);
  // The accept load and the drain of its backlog: what every accepted payment cost in all.
  const cpuToSettled = stopCpu();
  await sampler.stop();
  log(`  payments pending over time: ${pendingSeries(sampler.samples, 12)}`);
  const paid = await system.paymentsOf(payloads.period);
  const warmRows = await system.paymentsOf(warm.period);
  const completedDuringLoad = paid.filter(
    (r) => r.completed_at && r.completed_at.getTime() <= loadEnd,
  ).length;
  const completionRate = completedDuringLoad / ((loadEnd - loadStart) / 1000);
  const written = [
    ...(await system.salesWrittenAt(payloads.period)),
    ...(await system.salesWrittenAt(warm.period)),
  ].sort((a, b) => a - b);
  const workerDuringLoad = writeRate(written, loadStart, loadEnd);
  const workerAfterLoad = writeRate(written, loadEnd, written[written.length - 1] ?? loadEnd);
  const drain = drainAfter([...paid, ...warmRows], loadEnd);
  // Under a second's worth of backlog, the drain "rate" is mostly start-up and tail.
  const drainMeaningful = atEnd.pending >= 1_000;
  log(
    `  completions during load ${Math.round(completionRate)}/s (worker wrote ${Math.round(workerDuringLoad)}/s); drain after load ${Math.round(drain.rate)}/s (${drain.completed} in ${round(drain.seconds)} s; worker wrote ${Math.round(workerAfterLoad)}/s)`,
  );
  bench.checks.push(
    {
      name: 'phase 2 no 5xx',
      ok: fiveXx(accept.status) === 0 && accept.errors === 0,
      detail: JSON.stringify(accept.status),
    },
    {
      // A timed closed loop stops with requests in flight: those commit unanswered, so the
      // DB may hold a few more than the 202s counted.
      name: 'phase 2 all COMPLETED',
      ok: settled && paid.every((r) => r.status === 'COMPLETED') && paid.length >= totals.count,
      detail: `${paid.filter((r) => r.status === 'COMPLETED').length}/${paid.length} committed are COMPLETED; ${totals.count} answered 202`,
    },
  );
  bench.results.accept = {
    load: accept,
    depth: sampler.samples,
    cpu,
    cpuMsPerPayment: cpuPerPayment(cpu, accept.ok),
    cpuToSettled,
    cpuMsPerPaymentToSettled: cpuPerPayment(cpuToSettled, paid.length),
    backlogAtEnd: atEnd,
    completionsPerSecondDuringLoad: completionRate,
    workerWritesPerSecond: { duringLoad: workerDuringLoad, afterLoad: workerAfterLoad },
    drainAfterLoad: { ...drain, meaningful: drainMeaningful },
    settled,
  };
  Object.assign(bench.headline, {
    'accept /s': accept.throughput,
    'accept p50 ms': accept.latencyMs.p50,
    'accept p99 ms': accept.latencyMs.p99,
    'completions during accept /s': completionRate,
    'drain after accept /s': drain.rate,
    'accept: customer-api CPU ms/payment': (cpu.byProcess['customer-api'] ?? NaN) / accept.ok,
    ...Object.fromEntries(
      Object.entries(cpuPerPayment(cpuToSettled, paid.length)).map(([name, ms]) => [
        `accept+drain CPU ms/payment: ${name}`,
        ms,
      ]),
    ),
    'accept: machine busy by others %': (cpu.othersMs / cpu.capacityMs) * 100,
  });
  bench.rows.push(
    throughputRow(`2 accept throughput (${bench.c} conns)`, accept.throughput, ceilings, {
      text: '≥ 0.5× raw tx',
      met: ceilings.raw !== undefined && accept.throughput >= 0.5 * ceilings.raw,
    }),
    latencyRow('2 accept p50', accept.latencyMs.p50, ceilings.noopP50),
    latencyRow('2 accept p99', accept.latencyMs.p99, ceilings.noopP99, {
      text: '≤ 25 ms',
      met: accept.latencyMs.p99 <= 25,
    }),
    latencyRow('2 accept max', accept.latencyMs.max, undefined),
    throughputRow('2 completions during accept load', completionRate, ceilings),
    throughputRow('2 worker sales writes during accept load', workerDuringLoad, ceilings),
    throughputRow(
      `2 drain after load (uncapped worker${drainMeaningful ? '' : '; backlog < 1,000'})`,
      drain.rate,
      ceilings,
      { text: '≥ 3,000/s', met: drain.rate >= 3_000 },
    ),
  );
}

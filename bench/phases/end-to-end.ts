import { startCpuMeter } from '../lib/cpu';
import { openLoop } from '../lib/load';
import { summarize } from '../lib/stats';
import { Totals } from '../lib/payloads';
import { latencyRow, throughputRow } from '../lib/report';
import type { Bench } from './bench';
import { describeHops, hopBreakdown, hopRows, HOPS } from './hops';
import { cpuPerPayment, describeCpu, describeLoad, maxOf, round } from './measures';
import { log } from './settings';

/**
 * 3: a fixed arrival rate, open loop: accept latency, accept→COMPLETED from the DB. The
 * targets apply to the main rate; `label` tells a second, lower rate's rows apart.
 */
export async function endToEndPhase(
  bench: Bench,
  rate: number,
  durationS: number,
  label = '3',
): Promise<void> {
  const { settings, system, ceilings } = bench;
  const main = label === '3';
  log(`phase ${label}: end to end, open loop ${rate}/s for ${durationS} s`);
  const payloads = bench.payloads(`p${label}`);
  const totals = new Totals();
  const sampler = system.startDepthSampler(1_000);
  const loadStart = Date.now();
  const stopCpu = startCpuMeter(system.cpuPids());
  const e2e = await openLoop({
    url: bench.api,
    path: '/payments',
    body: () => payloads.body(),
    expectStatus: 202,
    totals,
    connections: bench.c,
    rate,
    durationS,
  });
  const settled = await system.waitSettled(settings.settleTimeoutS * 1000);
  // From the first request until the last payment completed: everything one payment costs.
  const cpu = stopCpu();
  await sampler.stop();
  const paid = await system.paymentsOf(payloads.period);
  const completion = summarize(
    paid
      .filter((r) => r.completed_at !== null)
      .map((r) => (r.completed_at as Date).getTime() - r.created_at.getTime()),
  );
  const lastCompleted = paid.reduce((m, r) => Math.max(m, r.completed_at?.getTime() ?? 0), 0);
  const drainRate = completion.count / ((lastCompleted - loadStart) / 1000);
  log(`  ${describeLoad(e2e)}`);
  log(
    `  accept→COMPLETED p50 ${round(completion.p50)} ms, p99 ${round(completion.p99)} ms, max ${round(completion.max)} ms; drain ${Math.round(drainRate)}/s; max backlog ${maxOf(sampler.samples, (s) => s.pending)}`,
  );
  log(`  ${describeCpu(cpu, completion.count)}`);
  const hops = hopBreakdown(paid, await system.saleTimesOf(payloads.period));
  log(`  hops: ${describeHops(hops)}`);
  bench.checks.push(
    {
      name: `phase ${label} no 5xx`,
      ok: e2e.ok === e2e.sent,
      detail: JSON.stringify(e2e.status),
    },
    {
      name: `phase ${label} all COMPLETED`,
      ok: settled && completion.count === totals.count,
      detail: `${completion.count}/${totals.count}`,
    },
  );
  const perPayment = cpuPerPayment(cpu, completion.count);
  bench.results[main ? 'endToEnd' : `endToEnd${rate}`] = {
    load: e2e,
    cpu,
    cpuMsPerPayment: perPayment,
    completionMs: completion,
    hopsMs: hops,
    drainPerSecond: drainRate,
    depth: sampler.samples,
    settled,
  };
  const tag = main ? 'e2e' : `e2e@${rate}`;
  Object.assign(bench.headline, {
    [`${tag} accept p99 ms`]: e2e.latencyMs.p99,
    [`${tag} completion p50 ms`]: completion.p50,
    [`${tag} completion p99 ms`]: completion.p99,
    ...Object.fromEntries(
      Object.entries(perPayment).map(([name, ms]) => [`${tag} CPU ms/payment: ${name}`, ms]),
    ),
    [`${tag}: machine busy by others %`]: (cpu.othersMs / cpu.capacityMs) * 100,
    ...Object.fromEntries(
      HOPS.flatMap((name) => [
        [`${tag} hop ${name} p50 ms`, hops[name].p50],
        [`${tag} hop ${name} p99 ms`, hops[name].p99],
      ]),
    ),
  });
  // The main rate's targets (issue 5); 200/s, below saturation, has its own (issue 15).
  const target = (text: string, met: boolean) => ({ text, met });
  const [p50Target, p99Target] = main ? [50, 250] : [20, 60];
  bench.rows.push(
    throughputRow(`${label} accepted at ${rate}/s offered`, e2e.throughput, ceilings),
    latencyRow(`${label} accept p50`, e2e.latencyMs.p50, ceilings.noopP50),
    latencyRow(`${label} accept p99`, e2e.latencyMs.p99, ceilings.noopP99),
    latencyRow(
      `${label} accept→COMPLETED p50`,
      completion.p50,
      ceilings.noopP50,
      target(`≤ ${p50Target} ms`, completion.p50 <= p50Target),
    ),
    latencyRow(
      `${label} accept→COMPLETED p99`,
      completion.p99,
      ceilings.noopP99,
      target(`≤ ${p99Target} ms`, completion.p99 <= p99Target),
    ),
    throughputRow(`${label} drain rate (completions/s over the phase)`, drainRate, ceilings, {
      text: `= ${rate}/s offered`,
      met: drainRate >= 0.95 * rate,
    }),
    ...Object.entries(perPayment).map(([name, ms]) => ({
      figure: `${label} CPU per payment, end to end: ${name}`,
      value: ms,
      unit: 'ms',
    })),
    ...hopRows(label, rate, hops),
    {
      figure: `${label} machine CPU used by other users meanwhile`,
      value: (cpu.othersMs / cpu.capacityMs) * 100,
      unit: '%',
    },
  );
}

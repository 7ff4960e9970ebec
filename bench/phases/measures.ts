/** What the phases work out from their readings, and how they say it. */
import type { CpuReading } from '../lib/cpu';
import type { LoadResult } from '../lib/load';
import type { DepthSample } from '../lib/system';

export function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function describeLoad(r: LoadResult): string {
  return (
    `${Math.round(r.throughput)}/s ok, p50 ${round(r.latencyMs.p50)} ms, p99 ` +
    `${round(r.latencyMs.p99)} ms, max ${round(r.latencyMs.max)} ms, status ${JSON.stringify(r.status)}` +
    (r.errors ? `, ${r.errors} errors` : '')
  );
}

export type CurrencyTotal = { currency: string; count: number; amount: number };

export function sameTotals(a: readonly CurrencyTotal[], b: readonly CurrencyTotal[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** How many completed after `since`, over how long, at what rate. */
export function drainAfter(
  rows: readonly { completed_at: Date | null }[],
  since: number,
): { completed: number; seconds: number; rate: number } {
  const after = rows
    .map((r) => r.completed_at?.getTime())
    .filter((t): t is number => t !== undefined && t > since);
  const last = after.reduce((m, t) => Math.max(m, t), since);
  const seconds = (last - since) / 1000;
  return {
    completed: after.length,
    seconds,
    rate: seconds > 0 ? after.length / seconds : Number.NaN,
  };
}

/** Sales written per second between `from` and `to` (ms), from the sales DB's timestamps. */
export function writeRate(times: readonly number[], from: number, to: number): number {
  const n = times.filter((t) => t >= from && t <= to).length;
  return to > from ? n / ((to - from) / 1000) : Number.NaN;
}

export function maxOf(samples: readonly DepthSample[], pick: (s: DepthSample) => number): number {
  return samples.reduce((m, s) => Math.max(m, pick(s)), 0);
}

/** About `points` readings of the sales queue (waiting + in flight), as `t=…s n` pairs. */
export function depthSeries(samples: readonly DepthSample[], points: number): string {
  const step = Math.max(1, Math.ceil(samples.length / points));
  return samples
    .filter((_, i) => i % step === 0 || i === samples.length - 1)
    .map((s) => `t=${Math.round(s.t)}s ${s.sales.visible + s.sales.inFlight}`)
    .join(', ');
}

/** About `points` readings of the PENDING payments, as `t=…s n` pairs. */
export function pendingSeries(samples: readonly DepthSample[], points: number): string {
  const step = Math.max(1, Math.ceil(samples.length / points));
  return samples
    .filter((_, i) => i % step === 0 || i === samples.length - 1)
    .map(
      (s) =>
        `t=${Math.round(s.t)}s ${s.pending} (outbox ${s.outbox}, sales ${s.sales.visible + s.sales.inFlight}, status ${s.status.visible + s.status.inFlight})`,
    )
    .join('; ');
}

export function fiveXx(status: Record<string, number>): number {
  return Object.entries(status)
    .filter(([code]) => code.startsWith('5'))
    .reduce((n, [, v]) => n + v, 0);
}

/** CPU ms per payment in each process, and how busy the machine was (everyone included). */
export function cpuPerPayment(reading: CpuReading, payments: number): Record<string, number> {
  const per: Record<string, number> = {};
  for (const [name, ms] of Object.entries(reading.byProcess)) {
    per[name] = ms / payments;
  }
  return per;
}

export function describeCpu(reading: CpuReading, payments: number): string {
  const per = Object.entries(cpuPerPayment(reading, payments))
    .map(([name, ms]) => `${name} ${ms.toFixed(2)}`)
    .join(', ');
  const busy = Math.round((reading.machineBusyMs / reading.capacityMs) * 100);
  const others = Math.round((reading.othersMs / reading.capacityMs) * 100);
  return `CPU ms/payment: ${per}; machine ${busy}% busy, ${others}% by other processes`;
}

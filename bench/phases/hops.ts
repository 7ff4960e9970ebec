import type { Row } from '../lib/report';
import { LatencySummary, summarize } from '../lib/stats';
import type { PaymentTimes, SaleTimes } from '../lib/system';

/**
 * The hops of a payment's way, from instants the system keeps: the payment's created_at (the
 * accept, committed with its outbox row) and completed_at in the customer DB; in the sales DB
 * the SQS SentTimestamp of its `payment.recorded` (the relay's publish), when the worker
 * received that message, and the sale's created_at (taken just before the batch's transaction).
 * The last hop holds the sales commit, the report's send, the status queue and the apply.
 */
export const HOPS = [
  'accept → relay publish',
  'publish → worker receive',
  'receive → sale written',
  'sale → COMPLETED (report, apply)',
  'accept → COMPLETED',
] as const;

export type HopBreakdown = Record<(typeof HOPS)[number], LatencySummary>;

export function hopBreakdown(
  payments: readonly PaymentTimes[],
  sales: readonly SaleTimes[],
): HopBreakdown {
  const byId = new Map(sales.map((s) => [s.payment_id.toLowerCase(), s]));
  const hops: number[][] = HOPS.map(() => []);
  for (const p of payments) {
    const s = byId.get(p.id.toLowerCase());
    if (!s?.published_at || !s.received_at || !p.completed_at) {
      continue;
    }
    const t = [
      p.created_at.getTime(),
      s.published_at.getTime(),
      s.received_at.getTime(),
      s.created_at.getTime(),
      p.completed_at.getTime(),
    ];
    for (let i = 0; i < 4; i += 1) {
      hops[i].push(t[i + 1] - t[i]);
    }
    hops[4].push(t[4] - t[0]);
  }
  return Object.fromEntries(HOPS.map((name, i) => [name, summarize(hops[i])])) as HopBreakdown;
}

export function describeHops(breakdown: HopBreakdown): string {
  return HOPS.map((name) => {
    const h = breakdown[name];
    return `${name} p50 ${h.p50.toFixed(0)} / p99 ${h.p99.toFixed(0)} ms`;
  }).join('; ');
}

/** One row per hop: its p50, and its p99 beside the unit. */
export function hopRows(label: string, rate: number, breakdown: HopBreakdown): Row[] {
  return HOPS.map((name) => ({
    figure: `${label} at ${rate}/s hop ${name} p50 (n=${breakdown[name].count})`,
    value: breakdown[name].p50,
    unit: `ms, p99 ${breakdown[name].p99.toFixed(1)} ms`,
  }));
}

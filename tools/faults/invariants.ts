import { queueDepth, receiveAll } from '../testing/queues';
import { committedFor, recover } from './client';
import type { Cluster } from './cluster';
import { chunks, mapLimit, sleep } from './http';
import type { AcceptedPayment, InFlight, LoadResult } from './load';

/** What a scenario promises about its payments once the system has settled. */
export interface Expectation {
  /** What the clients saw; requests without a known outcome are resent first (see recover). */
  loads: LoadResult[];
  /** Payments a scenario put in the customer DB itself (no 202 of their own). */
  others?: AcceptedPayment[];
  /** requestIds that must end FAILED and never reach the sales DB. */
  failed?: ReadonlySet<string>;
  /** Messages `sales-dlq` must hold at the end. */
  salesDlq?: number;
  /** How long the system may take to settle after the fault. */
  settleTimeoutMs?: number;
  /**
   * When customer-api or its DB was down (ms timestamps): a request in flight then may get no
   * answer or a 5xx. Every other valid payment must get its 202 the first time.
   */
  apiFaults?: { from: number; to: number }[];
}

export interface Verdict {
  accepted: number;
  completed: number;
  failed: number;
  lost: number;
  countedTwice: number;
  dlq: number;
  /** Broken invariants, in words; empty when the scenario passed. */
  failures: string[];
  notes: string[];
}

interface SaleRow {
  payment_id: string;
  amount: number | string;
  currency: string;
  period: string;
}

interface TotalRow {
  period: string;
  currency: string;
  count: number | string;
  amount: number | string;
}

type Totals = Map<string, { count: number; amount: number }>;

const key = (period: string, currency: string): string => `${period}/${currency}`;

/** Every answer other than a 202 outside the API's fault windows, by status (or error code). */
function unexpectedAnswers(
  loads: readonly LoadResult[],
  faults: readonly { from: number; to: number }[],
): string | undefined {
  const duringFault = ({ sentAt, endedAt }: InFlight) =>
    faults.some(({ from, to }) => sentAt <= to && endedAt >= from);
  const counts: Record<string, number> = {};
  for (const load of loads) {
    for (const r of load.rejected.filter((r) => !duringFault(r))) {
      counts[r.answer.status] = (counts[r.answer.status] ?? 0) + 1;
    }
    for (const u of load.unanswered.filter((u) => !duringFault(u))) {
      counts[u.code] = (counts[u.code] ?? 0) + 1;
    }
  }
  return Object.keys(counts).length > 0 ? JSON.stringify(counts) : undefined;
}

/** Each payment's status in the customer DB, by requestId. */
async function statusOf(cluster: Cluster, ids: readonly string[]): Promise<Map<string, string>> {
  const status = new Map<string, string>();
  for (const part of chunks(ids, 500)) {
    const rows = await cluster.customerDb.rows<{ id: string; status: string }>(
      'SELECT id, status FROM payments WHERE id IN (?)',
      [part],
    );
    rows.forEach((row) => status.set(row.id, row.status));
  }
  return status;
}

/** What a DLQ holds, for a failure message a human can act on. */
async function peek(cluster: Cluster, url: string): Promise<string> {
  const messages = await receiveAll(cluster.sqs, url, { visibilitySeconds: 1, max: 3 });
  return messages
    .map((m) => `${m.Body?.slice(0, 160)} (received ${m.Attributes?.ApproximateReceiveCount}×)`)
    .join('; ');
}

/** Messages or outbox rows still to be processed somewhere (delayed retries included). */
async function workLeft(cluster: Cluster): Promise<number> {
  const outbox = await cluster.customerDb.count('outbox');
  const sales = await queueDepth(cluster.sqs, cluster.sales.url);
  const status = await queueDepth(cluster.sqs, cluster.paymentStatus.url);
  return outbox + sales.visible + sales.inFlight + status.visible + status.inFlight;
}

/** How long nothing may move while payments are PENDING before they count as stuck. */
const STUCK_AFTER_MS = 5_000;

/**
 * Waits until no accepted payment is PENDING and no work is left. Gives up early when payments
 * stay PENDING with nothing left anywhere to move them: they are stuck, not slow.
 */
export async function settle(
  cluster: Cluster,
  ids: readonly string[],
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let idleSince: number | undefined;
  while (Date.now() < deadline) {
    const pending = [...(await statusOf(cluster, ids)).values()].includes('PENDING');
    const left = await workLeft(cluster);
    if (!pending && left === 0) {
      return true;
    }
    idleSince = left === 0 ? (idleSince ?? Date.now()) : undefined;
    if (idleSince !== undefined && Date.now() - idleSince > STUCK_AFTER_MS) {
      return false;
    }
    await sleep(500);
  }
  return false;
}

/** The status each client reads over GET /payments/:id must be the one the DB holds. */
async function checkReads(
  cluster: Cluster,
  statusById: Map<string, string>,
  failures: string[],
): Promise<void> {
  const ids = [...statusById.keys()];
  const read = await mapLimit(ids, 32, async (id) => {
    // A read that times out on a swamped machine is asked again, not a crash of the scenario.
    for (let attempt = 1; ; attempt += 1) {
      try {
        const answer = await cluster.apiHttp.call({ method: 'GET', path: `/payments/${id}` });
        return answer.status === 200 ? (JSON.parse(answer.body) as { status: string }).status : '?';
      } catch (err) {
        if (attempt >= 3) {
          return `? (${String(err)})`;
        }
      }
    }
  });
  const disagree = ids.filter((id, i) => read[i] !== statusById.get(id)).length;
  if (disagree > 0) {
    failures.push(`${disagree} payments read differently over GET /payments/:id than in the DB`);
  }
}

/**
 * The sales DB holds each accepted payment exactly once, as accepted, and nothing else; the
 * expected FAILED ones read FAILED and are absent. Answers the figures and the expected totals.
 */
async function checkSales(
  cluster: Cluster,
  accepted: Map<string, AcceptedPayment>,
  statusById: Map<string, string>,
  expectFailed: ReadonlySet<string>,
  failures: string[],
) {
  const dupRows = await cluster.salesDb.rows<{ n: number | string }>(
    'SELECT payment_id, COUNT(*) AS n FROM sales GROUP BY payment_id HAVING COUNT(*) > 1',
  );
  const duplicates = dupRows.reduce((sum, row) => sum + Number(row.n) - 1, 0);
  const rows = await cluster.salesDb.rows<SaleRow>(
    'SELECT payment_id, amount, currency, period FROM sales',
  );
  const sales = new Map(rows.map((row) => [row.payment_id, row]));
  const figures = { completed: 0, failed: 0, lost: 0, duplicates };
  const totals: Totals = new Map();
  let wrongContent = 0;
  for (const [id, payment] of accepted) {
    const status = statusById.get(id);
    const sale = sales.get(id);
    if (expectFailed.has(id)) {
      if (status === 'FAILED' && !sale) {
        figures.failed += 1;
      } else {
        failures.push(`payment ${id} should be FAILED and absent from the sales DB: ${status}`);
      }
      continue;
    }
    if (status === 'COMPLETED' && sale) {
      figures.completed += 1;
    } else {
      figures.lost += 1;
    }
    if (
      sale &&
      (Number(sale.amount) !== payment.amount ||
        sale.currency !== payment.currency ||
        sale.period !== payment.period)
    ) {
      wrongContent += 1;
    }
    const total = totals.get(key(payment.period, payment.currency)) ?? { count: 0, amount: 0 };
    total.count += 1;
    total.amount += payment.amount;
    totals.set(key(payment.period, payment.currency), total);
  }
  const phantoms = [...sales.keys()].filter((id) => !accepted.has(id)).length;
  if (figures.lost > 0) {
    failures.push(`${figures.lost} accepted payments are not COMPLETED in the sales DB`);
  }
  if (duplicates > 0) {
    failures.push(`${duplicates} payments are in the sales DB more than once`);
  }
  if (wrongContent > 0) {
    failures.push(`${wrongContent} sales rows differ from the payment that was accepted`);
  }
  if (phantoms > 0) {
    failures.push(`the sales DB holds ${phantoms} payments nobody was told were accepted`);
  }
  return { figures, totals };
}

/**
 * monthly_totals equal the sums of the accepted payments, per period and currency, and
 * GET /sales?period= shows the same. Answers how many payments were counted more than once.
 */
async function checkTotals(cluster: Cluster, expected: Totals, failures: string[]) {
  const rows = await cluster.salesDb.rows<TotalRow>(
    'SELECT period, currency, count, amount FROM monthly_totals',
  );
  const actual = new Map(rows.map((row) => [key(row.period, row.currency), row]));
  let overCounted = 0;
  for (const k of new Set([...expected.keys(), ...actual.keys()])) {
    const want = expected.get(k) ?? { count: 0, amount: 0 };
    const row = actual.get(k);
    const got = { count: Number(row?.count ?? 0), amount: Number(row?.amount ?? 0) };
    overCounted += Math.max(0, got.count - want.count);
    if (got.count !== want.count || got.amount !== want.amount) {
      failures.push(
        `monthly_totals ${k}: ${got.count} payments / ${got.amount}, expected ${want.count} / ${want.amount}`,
      );
    }
  }
  for (const period of new Set(rows.map((row) => row.period))) {
    const { status, body } = await cluster.workerHttp.getJson<{
      totals: { currency: string; count: number; amount: string }[];
    }>(`/sales?period=${period}`);
    const shown = new Map(body.totals.map((t) => [key(period, t.currency), t]));
    const differs = rows
      .filter((row) => row.period === period)
      .some((row) => {
        const t = shown.get(key(row.period, row.currency));
        return !t || t.count !== Number(row.count) || t.amount !== String(row.amount);
      });
    if (
      status !== 200 ||
      differs ||
      shown.size !== rows.filter((r) => r.period === period).length
    ) {
      failures.push(`GET /sales?period=${period} disagrees with monthly_totals`);
    }
  }
  return overCounted;
}

/** No work left anywhere; the DLQs hold exactly what the scenario says. Answers sales-dlq depth. */
async function checkQueues(cluster: Cluster, salesDlq: number, failures: string[]) {
  const [sales, salesDead, status, statusDead] = await Promise.all(
    [
      cluster.sales.url,
      cluster.sales.dlqUrl,
      cluster.paymentStatus.url,
      cluster.paymentStatus.dlqUrl,
    ].map((url) => queueDepth(cluster.sqs, url)),
  );
  const dlq = salesDead.visible + salesDead.inFlight;
  if (dlq !== salesDlq) {
    failures.push(`sales-dlq holds ${dlq} messages, expected ${salesDlq}`);
  }
  const statusDlq = statusDead.visible + statusDead.inFlight;
  if (statusDlq > 0) {
    failures.push(
      `payment-status-dlq holds ${statusDlq} messages (status updates customer-api gave up on): ` +
        (await peek(cluster, cluster.paymentStatus.dlqUrl)),
    );
  }
  const left = sales.visible + sales.inFlight + status.visible + status.inFlight;
  if (left > 0) {
    failures.push(`${left} messages are still on the sales / payment-status queues`);
  }
  const outbox = await cluster.customerDb.count('outbox');
  if (outbox > 0) {
    failures.push(`${outbox} outbox rows were never published`);
  }
  return dlq;
}

/**
 * Checks every invariant of a scenario once the system has settled, reading the customer DB,
 * the sales DB, both apps' HTTP APIs and the queues. Never throws for a broken invariant: it
 * reports it.
 */
export async function verify(cluster: Cluster, expected: Expectation): Promise<Verdict> {
  const failures: string[] = [];
  const unexpected = unexpectedAnswers(expected.loads, expected.apiFaults ?? []);
  if (unexpected) {
    failures.push(
      `customer-api did not answer 202 to valid payments while it and its DB were up: ${unexpected}`,
    );
  }
  const client = await recover(cluster, expected.loads);
  failures.push(...client.failures);
  const mustNotExist = [...client.stranded, ...client.refused];
  const written = [...(await committedFor(cluster, mustNotExist)).values()].flat().length;
  if (written > 0) {
    failures.push(`${written} payments refused with a 4xx (or a 409 on resend) exist anyway`);
  }
  const accepted = new Map<string, AcceptedPayment>();
  for (const payment of [...client.accepted, ...(expected.others ?? [])]) {
    if (accepted.has(payment.requestId)) {
      failures.push(`requestId ${payment.requestId} was handed out twice`);
    }
    accepted.set(payment.requestId, payment);
  }
  const ids = [...accepted.keys()];
  if (!(await settle(cluster, ids, expected.settleTimeoutMs ?? 60_000))) {
    failures.push('the system did not settle in time (payments PENDING, outbox or queues busy)');
  }
  const statusById = await statusOf(cluster, ids);
  await checkReads(cluster, statusById, failures);
  const { figures, totals } = await checkSales(
    cluster,
    accepted,
    statusById,
    expected.failed ?? new Set(),
    failures,
  );
  const overCounted = await checkTotals(cluster, totals, failures);
  const dlq = await checkQueues(cluster, expected.salesDlq ?? 0, failures);
  return {
    accepted: accepted.size,
    completed: figures.completed,
    failed: figures.failed,
    lost: figures.lost,
    countedTwice: figures.duplicates + overCounted,
    dlq,
    failures,
    notes: client.notes,
  };
}

/**
 * Payments through the containers, the way a careful client sends them, and the proof that each
 * was recorded exactly once. Run by tools/compose/run.sh against published 127.0.0.1 ports only.
 *
 *   tsx tools/compose/load.ts --apis URL[,URL] --workers URL[,URL,...] --count N --period YYYY-MM
 *     [--concurrency C] [--at K --run 'shell command']...
 *
 * Payment i goes to apis[i % n]. A request without an answer, or answered 409/429/5xx, is sent
 * again with the same Idempotency-Key to the next API (CONTRACT.md: the only safe retry). With
 * `--at K --run CMD`, CMD runs once K payments have been accepted, while the load goes on (a
 * `docker-compose stop`, a `docker kill`). Then every payment must reach COMPLETED, the sales
 * DB's monthly total for the period must count exactly N with the exact sum, and each payment
 * must have its sales record. Counter deltas from each replica's /metrics (those that answered
 * before and after) say how many outbox publishes and duplicate deliveries it took.
 * Prints one JSON summary line; exits 1 on any failure.
 */
import { exec } from 'node:child_process';
import { parseArgs } from 'node:util';

const DEADLINE_MS = 240_000;
const REQUEST_TIMEOUT_MS = 10_000;

interface Payment {
  index: number;
  key: string;
  body: { customerId: string; policyId: string; amount: number; currency: string; period: string };
  requestId?: string;
  acceptedBy?: string;
  status?: string;
}

const { values } = parseArgs({
  options: {
    apis: { type: 'string' },
    workers: { type: 'string' },
    count: { type: 'string', default: '1000' },
    period: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    at: { type: 'string', multiple: true, default: [] },
    run: { type: 'string', multiple: true, default: [] },
  },
});
const apis = (values.apis ?? '').split(',').filter(Boolean);
const workers = (values.workers ?? '').split(',').filter(Boolean);
const count = Number(values.count);
const concurrency = Number(values.concurrency);
const period = values.period ?? '';
if (apis.length === 0 || workers.length === 0 || !/^\d{4}-\d{2}$/.test(period) || !(count > 0)) {
  throw new Error('usage: --apis URL[,URL] --workers URL[,URL] --count N --period YYYY-MM');
}
const triggers = values.at.map((at, i) => ({
  at: Number(at),
  command: values.run[i],
  fired: false,
}));
const started = Date.now();
const deadline = started + DEADLINE_MS;
const events: string[] = [];
const stats = { retries: 0, replays: 0, answers: {} as Record<string, number> };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)}s`;

async function request(url: string, init: RequestInit = {}): Promise<Response | undefined> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch {
    return undefined; // no answer: connection refused or reset, or timed out
  }
}

/** Runs `work` over `items` with at most `limit` at once. */
async function forEach<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      await work(items[next++]);
    }
  });
  await Promise.all(lanes);
}

let accepted = 0;
function fireTriggers(): void {
  for (const trigger of triggers) {
    if (!trigger.fired && accepted >= trigger.at) {
      trigger.fired = true;
      events.push(`${elapsed()} at ${accepted} accepted: ${trigger.command}`);
      exec(trigger.command, (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim().replace(/\s+/g, ' ');
        events.push(`${elapsed()} ${err ? 'FAILED' : 'done'}: ${trigger.command} ${output}`);
      });
    }
  }
}

async function send(payment: Payment): Promise<void> {
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const api = apis[(payment.index + attempt) % apis.length];
    const response = await request(`${api}/payments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': payment.key },
      body: JSON.stringify(payment.body),
    });
    const status = response ? String(response.status) : 'no answer';
    stats.answers[status] = (stats.answers[status] ?? 0) + 1;
    if (response?.status === 202 || response?.status === 200) {
      const body = (await response.json()) as { requestId: string };
      payment.requestId = body.requestId;
      payment.acceptedBy = api;
      if (response.headers.get('idempotent-replayed') === 'true') {
        stats.replays++;
      }
      accepted++;
      fireTriggers();
      return;
    }
    if (response && ![409, 429].includes(response.status) && response.status < 500) {
      throw new Error(`payment ${payment.index}: ${response.status} ${await response.text()}`);
    }
    await response?.body?.cancel();
    stats.retries++;
    const retryAfter = Number(response?.headers.get('retry-after') ?? 0);
    await sleep(Math.max(200, Math.min(retryAfter * 1000, 5_000)));
  }
  throw new Error(`payment ${payment.index} not accepted within ${DEADLINE_MS} ms`);
}

async function settle(payment: Payment): Promise<void> {
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const api = apis[(payment.index + attempt) % apis.length];
    const response = await request(`${api}/payments/${payment.requestId}`, {
      headers: { Prefer: 'wait=5' },
    });
    if (response?.ok) {
      payment.status = ((await response.json()) as { status: string }).status;
      if (payment.status !== 'PENDING') {
        return;
      }
    } else {
      await response?.body?.cancel();
      await sleep(500);
    }
  }
}

async function fromAnyWorker(path: string): Promise<Response | undefined> {
  for (const worker of workers) {
    const response = await request(`${worker}${path}`);
    if (response && response.status < 500) {
      return response;
    }
  }
  return undefined;
}

/** Sums of the counters this check reads, per replica URL; a replica that does not answer is left out. */
async function counters(urls: string[]): Promise<Map<string, Record<string, number>>> {
  const wanted: Record<string, RegExp> = {
    published: /^outbox_publish_latency_seconds_count(\{[^}]*\})? (\d+)/,
    recorded: /^sales_messages_total\{[^}]*outcome="recorded"[^}]*\} (\d+)/,
    duplicate: /^sales_messages_total\{[^}]*outcome="duplicate"[^}]*\} (\d+)/,
    retried: /^sales_messages_total\{[^}]*outcome="retried"[^}]*\} (\d+)/,
  };
  const result = new Map<string, Record<string, number>>();
  for (const url of urls) {
    const response = await request(`${url}/metrics`);
    if (!response?.ok) {
      continue;
    }
    const sums: Record<string, number> = { published: 0, recorded: 0, duplicate: 0, retried: 0 };
    for (const line of (await response.text()).split('\n')) {
      for (const [name, pattern] of Object.entries(wanted)) {
        const match = pattern.exec(line);
        if (match) {
          sums[name] += Number(match[match.length - 1]);
        }
      }
    }
    result.set(url, sums);
  }
  return result;
}

function deltas(
  before: Map<string, Record<string, number>>,
  after: Map<string, Record<string, number>>,
): { sums: Record<string, number>; replicas: number } {
  const sums: Record<string, number> = { published: 0, recorded: 0, duplicate: 0, retried: 0 };
  let replicas = 0;
  for (const [url, end] of after) {
    const start = before.get(url);
    if (!start) {
      continue;
    }
    replicas++;
    for (const name of Object.keys(sums)) {
      // A replica restarted in between counts from zero again: all it counted is new.
      sums[name] += end[name] >= start[name] ? end[name] - start[name] : end[name];
    }
  }
  return { sums, replicas };
}

async function main(): Promise<void> {
  const run = `${Date.now().toString(36)}-${process.pid}`;
  const payments: Payment[] = Array.from({ length: count }, (_, index) => ({
    index,
    key: `compose-${run}-${index}`,
    body: {
      customerId: `compose-${run}-${index}`,
      policyId: 'pol-compose',
      amount: 100 + ((index * 7919) % 100_000),
      currency: 'USD',
      period,
    },
  }));
  const before = await counters([...apis, ...workers]);

  await forEach(payments, concurrency, send);
  const acceptedIn = Date.now() - started;
  await forEach(payments, Math.max(concurrency, 32), settle);
  const completedIn = Date.now() - started;

  const failures: string[] = [];
  const statuses: Record<string, number> = {};
  for (const p of payments) {
    statuses[p.status ?? 'unknown'] = (statuses[p.status ?? 'unknown'] ?? 0) + 1;
  }
  if (statuses.COMPLETED !== count) {
    failures.push(`statuses ${JSON.stringify(statuses)}, expected ${count} COMPLETED`);
  }
  const totals = await fromAnyWorker(`/sales?period=${period}`);
  const body = totals?.ok
    ? ((await totals.json()) as { totals: { currency: string; count: number; amount: string }[] })
    : { totals: [] };
  const usd = body.totals.find((t) => t.currency === 'USD');
  const expectedAmount = payments.reduce((sum, p) => sum + BigInt(p.body.amount), 0n);
  if (usd?.count !== count || BigInt(usd?.amount ?? -1) !== expectedAmount) {
    failures.push(
      `sales total ${JSON.stringify(usd)}, expected count ${count}, amount ${expectedAmount}`,
    );
  }
  let records = 0;
  await forEach(payments, 32, async (p) => {
    const response = await fromAnyWorker(`/sales/payments/${p.requestId}`);
    const sale = response?.ok
      ? ((await response.json()) as { amount: number | string })
      : undefined;
    if (sale && Number(sale.amount) === p.body.amount) {
      records++;
    }
  });
  if (records !== count) {
    failures.push(`${records} of ${count} payments have their sales record`);
  }
  const after = await counters([...apis, ...workers]);
  const apiCounters = deltas(new Map([...before].filter(([u]) => apis.includes(u))), after);
  const workerCounters = deltas(new Map([...before].filter(([u]) => workers.includes(u))), after);
  const byApi: Record<string, number> = {};
  for (const p of payments) {
    byApi[p.acceptedBy ?? '?'] = (byApi[p.acceptedBy ?? '?'] ?? 0) + 1;
  }
  if (apis.length > 1 && Object.keys(byApi).length < apis.length) {
    failures.push(`load not spread over every API: ${JSON.stringify(byApi)}`);
  }
  const unfired = triggers.filter((t) => !t.fired).map((t) => t.command);
  if (unfired.length > 0) {
    failures.push(`never ran: ${unfired.join('; ')}`);
  }
  const summary = {
    ok: failures.length === 0,
    failures,
    payments: count,
    period,
    concurrency,
    acceptedSeconds: acceptedIn / 1000,
    completedSeconds: completedIn / 1000,
    acceptPerSecond: Math.round(count / (acceptedIn / 1000)),
    statuses,
    salesTotal: usd,
    salesRecords: records,
    acceptedByApi: byApi,
    answers: stats.answers,
    retries: stats.retries,
    replays: stats.replays,
    outboxPublishes: {
      published: apiCounters.sums.published,
      replicasCounted: `${apiCounters.replicas}/${apis.length}`,
    },
    workerDeliveries: {
      recorded: workerCounters.sums.recorded,
      duplicate: workerCounters.sums.duplicate,
      retried: workerCounters.sums.retried,
      replicasCounted: `${workerCounters.replicas}/${workers.length}`,
    },
    events,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  // let a trigger's command finish printing before exiting
  await sleep(100);
  process.exit(summary.ok ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

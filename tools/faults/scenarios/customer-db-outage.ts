import type { Cluster } from '../cluster';
import { HttpAnswer, HttpFailure, sleep } from '../http';
import { verify } from '../invariants';
import { Load, PaymentFactory } from '../load';
import { Scenario, seconds, withCluster } from '../scenario';

/**
 * Longer than the sales DB cut: a managed database fails over in about this long, and the
 * status consumer must ride it out (its retry budget is MAX_RECEIVE_COUNT deliveries, 1-8 s apart).
 */
const OUTAGE_MS = 15_000;
/** The contract's bound for a 503 while a dependency is down. */
const MAX_503_MS = 2_000;

interface Probe {
  sentAt: number;
  answer?: HttpAnswer;
  error?: string;
}

/** GET /payments/:id on known payments, a few at a time, until `until()` says stop. */
async function probeReads(cluster: Cluster, ids: string[], until: () => boolean): Promise<Probe[]> {
  const probes: Probe[] = [];
  let n = 0;
  const reader = async (): Promise<void> => {
    while (!until()) {
      const id = ids[n++ % ids.length];
      const sentAt = Date.now();
      try {
        const answer = await cluster.apiHttp.call({ method: 'GET', path: `/payments/${id}` });
        probes.push({ sentAt, answer });
      } catch (err) {
        probes.push({ sentAt, error: err instanceof HttpFailure ? err.code : String(err) });
      }
      await sleep(50);
    }
  };
  await Promise.all(Array.from({ length: 8 }, reader));
  return probes;
}

/** What is wrong with an answer given while the DB is down; undefined when it is right. */
function problemWith(answer: HttpAnswer): string | undefined {
  if (answer.status !== 503) {
    return `status ${answer.status}`;
  }
  if (!String(answer.headers['content-type']).startsWith('application/problem+json')) {
    return `content type ${answer.headers['content-type']}`;
  }
  if (!/^\d+$/.test(String(answer.headers['retry-after']))) {
    return 'no Retry-After';
  }
  if (answer.ms >= MAX_503_MS) {
    return `took ${answer.ms} ms`;
  }
  return undefined;
}

export const customerDbOutage: Scenario = {
  id: 5,
  name: 'customer DB cut ~15 s at a proxy',
  run: ({ harness, log }) =>
    withCluster(harness, { label: 's5', proxyCustomerDb: true }, async (cluster) => {
      const proxy = cluster.customerProxy as NonNullable<typeof cluster.customerProxy>;
      const load = new Load(cluster.apiHttp, new PaymentFactory(`s5-${harness.runId}`), {
        total: 700,
        concurrency: 32,
        ratePerSecond: 40,
      });
      await load.whenAccepted(80);
      const known = await cluster.customerDb.rows<{ id: string }>('SELECT id FROM payments');
      proxy.cut();
      const cutAt = Date.now();
      log('customer DB cut');
      let restoredAt = 0;
      const reads = probeReads(
        cluster,
        known.map((r) => r.id),
        () => restoredAt > 0,
      );
      await sleep(OUTAGE_MS);
      proxy.restore();
      restoredAt = Date.now();
      const probes = await reads;
      // Recovery by itself: no restart, the pool reconnects on its own.
      let recoveredAt = 0;
      while (!recoveredAt && Date.now() - restoredAt < 30_000) {
        const answer = await cluster.apiHttp
          .call({ method: 'GET', path: `/payments/${known[0].id}` })
          .catch(() => undefined);
        if (answer?.status === 200) {
          recoveredAt = Date.now();
        } else {
          await sleep(100);
        }
      }
      log(`customer DB back; reads answer 200 after ${seconds(recoveredAt - restoredAt)}`);
      const result = await load.result;

      // Everything sent while the DB was down, give or take the requests in flight at either end.
      const during = (sentAt: number) => sentAt > cutAt + 100 && sentAt < restoredAt - 100;
      const answers = [
        ...result.rejected.filter((r) => during(r.sentAt)).map((r) => r.answer),
        ...probes.filter((p) => during(p.sentAt) && p.answer).map((p) => p.answer as HttpAnswer),
      ];
      const wrong = answers.map(problemWith).filter((p): p is string => p !== undefined);
      const hung = probes.filter((p) => p.error).length + result.unanswered.length;
      const slowest = Math.max(0, ...answers.map((a) => a.ms));
      // The 503s are resent with their Idempotency-Key: a commit whose acknowledgement was lost
      // in the cut is replayed, the others are accepted now.
      const verdict = await verify(cluster, {
        loads: [result],
        apiFaults: [{ from: cutAt, to: recoveredAt || Date.now() }],
      });
      if (answers.length < 100) {
        verdict.failures.push(`only ${answers.length} requests were made while the DB was down`);
      }
      if (wrong.length > 0) {
        verdict.failures.push(
          `${wrong.length} of ${answers.length} answers while the DB was down were not a fast 503 problem+json with Retry-After (${[...new Set(wrong)].slice(0, 3).join('; ')})`,
        );
      }
      if (hung > 0) {
        verdict.failures.push(`${hung} requests got no answer while the DB was down`);
      }
      if (!recoveredAt) {
        verdict.failures.push('the API did not recover within 30 s of the DB coming back');
      }
      const posts = result.rejected.filter((r) => during(r.sentAt)).length;
      verdict.notes.push(
        `while the DB was down: ${posts} POST + ${answers.length - posts} GET answered 503 ` +
          `problem+json with Retry-After, slowest ${slowest} ms; ` +
          `reads back ${seconds(recoveredAt - restoredAt)} after the DB, without a restart`,
      );
      return verdict;
    }),
};

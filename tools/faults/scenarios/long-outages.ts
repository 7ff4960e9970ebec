import type { Cluster } from '../cluster';
import { sleep } from '../http';
import { verify } from '../invariants';
import { Load, PaymentFactory } from '../load';
import type { TcpProxy } from '../../testing/tcp-proxy';
import { pausesLogged, retriesLogged, Scenario, seconds, withCluster } from '../scenario';

/**
 * Longer than 3 minutes, and longer than any retry budget the apps have: MAX_ATTEMPTS (5)
 * deliveries with the suite's backoff (1 s doubling to 8 s) span about 20 s, the redrive
 * backstop (10 deliveries) about a minute.
 */
const OUTAGE_MS = 190_000;

/** The worker's or customer-api's consumer_paused gauge, summed over its labels. */
async function pausedGauge(cluster: Cluster, app: 'api' | 'worker'): Promise<number> {
  const text = await cluster[app].metrics().catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.startsWith('consumer_paused{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

interface OutagePlan {
  id: number;
  label: string;
  name: string;
  db: 'sales' | 'customer';
}

/**
 * A database down for more than three minutes while payments are in flight: the consumer that
 * needs it pauses (no receive, no delivery spent, nothing in a DLQ, no FAILED), keeps the messages
 * in hand and resumes by itself when it is back.
 */
function longOutage({ id, label, name, db }: OutagePlan): Scenario {
  return {
    id,
    name,
    background: true,
    run: ({ harness, log }) =>
      withCluster(
        harness,
        {
          label,
          ownSqs: true,
          connectTimeoutMs: 5_000,
          proxySalesDb: db === 'sales',
          proxyCustomerDb: db === 'customer',
        },
        async (cluster) => {
          const proxy = (db === 'sales' ? cluster.salesProxy : cluster.customerProxy) as TcpProxy;
          const app = db === 'sales' ? 'worker' : 'api';
          const load = new Load(cluster.apiHttp, new PaymentFactory(`${label}-${harness.runId}`), {
            total: 400,
            concurrency: 16,
            ratePerSecond: 20,
            deadlineMs: 300_000,
          });
          await load.whenAccepted(100);
          proxy.cut();
          const cutAt = Date.now();
          log(`${db} DB cut; ${load.acceptedCount} payments accepted so far`);
          await sleep(15_000);
          const pausedDuring = await pausedGauge(cluster, app);
          await sleep(OUTAGE_MS - 15_000);
          proxy.restore();
          const restoredAt = Date.now();
          log(`${db} DB back after ${seconds(restoredAt - cutAt)}`);
          const result = await load.result;
          const verdict = await verify(cluster, {
            loads: [result],
            apiFaults: db === 'customer' ? [{ from: cutAt, to: restoredAt + 5_000 }] : [],
            settleTimeoutMs: 120_000,
          });
          const pauses = pausesLogged(cluster[app].logFile);
          const pausedAfter = await pausedGauge(cluster, app);
          const retried = retriesLogged(cluster);
          if (pausedDuring < 1) {
            verdict.failures.push(`consumer_paused was ${pausedDuring} during the outage, not 1`);
          }
          if (pausedAfter !== 0) {
            verdict.failures.push(`consumer_paused is ${pausedAfter} after the outage, not 0`);
          }
          if (pauses.paused < 1 || pauses.resumed !== pauses.paused) {
            verdict.failures.push(
              `the consumer logged ${pauses.paused} pauses and ${pauses.resumed} resumes`,
            );
          }
          if (retried > 0) {
            verdict.failures.push(`${retried} deliveries were counted as failed by the worker`);
          }
          verdict.notes.push(
            `outage ${seconds(restoredAt - cutAt)}; the ${app === 'worker' ? 'sales' : 'payment-status'} consumer paused ${pauses.paused}× ` +
              `(longest ${seconds(pauses.longestMs)}), consumer_paused ${pausedDuring} during, ${pausedAfter} after; ` +
              `${retried} deliveries counted as failed`,
          );
          return verdict;
        },
      ),
  };
}

export const salesDbLongOutage = longOutage({
  id: 10,
  label: 's10',
  name: 'sales DB cut 3 min 10 s (past every retry budget)',
  db: 'sales',
});

export const customerDbLongOutage = longOutage({
  id: 11,
  label: 's11',
  name: 'customer DB cut 3 min 10 s (past every retry budget)',
  db: 'customer',
});

import { sleep } from '../http';
import { verify } from '../invariants';
import { Load, PaymentFactory } from '../load';
import { Scenario, seconds, withCluster } from '../scenario';

/** As long as the issue asks: longer than any single SQS timeout and retry of the SDK. */
const BLACK_HOLE_MS = 60_000;

/**
 * SQS black-holed for a minute: a proxy between both apps and SQS accepts connections and never
 * answers, the failure a timeout exists for (a dropped route, a stuck load balancer), unlike a
 * refused connection. customer-api keeps answering 202 (the outbox holds the payments); every
 * SQS call in both apps ends at its timeout; once SQS answers again, everything drains.
 */
export const sqsBlackHole: Scenario = {
  id: 14,
  name: 'SQS black-holed 60 s',
  run: ({ harness, log }) =>
    withCluster(harness, { label: 's14', proxySqs: true }, async (cluster) => {
      const proxy = cluster.sqsProxy;
      if (!proxy) {
        throw new Error('the cluster has no SQS proxy');
      }
      const load = new Load(cluster.apiHttp, new PaymentFactory(`s14-${harness.runId}`), {
        total: 400,
        concurrency: 16,
        ratePerSecond: 8,
      });
      await load.whenAccepted(20);
      proxy.hang();
      const from = Date.now();
      log('SQS black-holed');
      await sleep(BLACK_HOLE_MS);
      const acceptedWhileDown = load.acceptedCount - 20;
      const outboxAtRestore = await cluster.customerDb.count('outbox');
      proxy.restore();
      log(
        `SQS answers again after ${seconds(Date.now() - from)}; ~${acceptedWhileDown} payments ` +
          `accepted meanwhile, ${outboxAtRestore} waiting in the outbox`,
      );
      const result = await load.result;
      const verdict = await verify(cluster, { loads: [result], settleTimeoutMs: 90_000 });
      if (outboxAtRestore === 0) {
        verdict.failures.push('the outbox held nothing during the black hole: nothing was tested');
      }
      verdict.notes.push(
        `${outboxAtRestore} outbox rows waiting when SQS answered again after ${seconds(BLACK_HOLE_MS)}`,
      );
      return verdict;
    }),
};

import { sleep } from '../http';
import { verify } from '../invariants';
import { Load, PaymentFactory } from '../load';
import { Scenario, withCluster } from '../scenario';

/** The apps' SHUTDOWN_TIMEOUT_MS in the cluster (commonEnv): the stop timeout each must meet. */
const STOP_TIMEOUT_MS = 10_000;
/** Process exit after the last step: the signal's delivery and Node's own teardown. */
const EXIT_SLACK_MS = 1_000;

/**
 * SIGTERM to each app while SQS is black-holed and payments keep coming: the relay's publish,
 * the consumers' receives and deletes all hang at the network, and each app must still stop
 * within SHUTDOWN_TIMEOUT_MS with exit code 0, losing nothing (the outbox keeps what was not
 * published; unacknowledged messages come back).
 */
export const sigtermBlackHole: Scenario = {
  id: 15,
  name: 'SIGTERM to each app while SQS is black-holed',
  run: ({ harness, log }) =>
    withCluster(
      harness,
      { label: 's15', proxySqs: true, workerEnv: { WORKER_RATE_LIMIT: '100' } },
      async (cluster) => {
        const proxy = cluster.sqsProxy;
        if (!proxy) {
          throw new Error('the cluster has no SQS proxy');
        }
        const failures: string[] = [];
        const load = new Load(cluster.apiHttp, new PaymentFactory(`s15-${harness.runId}`), {
          total: 400,
          concurrency: 24,
          ratePerSecond: 25,
        });
        await load.whenAccepted(60);
        proxy.hang();
        log('SQS black-holed');
        // Let the relay and the consumers get stuck in calls that will never be answered.
        await sleep(3_000);

        const worker = await cluster.worker.signal('SIGTERM', STOP_TIMEOUT_MS + 10_000);
        log(`sales-worker SIGTERMed: exit ${worker.code} after ${worker.ms} ms`);
        const stoppingAt = Date.now();
        const api = await cluster.api.signal('SIGTERM', STOP_TIMEOUT_MS + 10_000);
        log(`customer-api SIGTERMed under load: exit ${api.code} after ${api.ms} ms`);
        const outboxLeft = await cluster.customerDb.count('outbox');

        proxy.restore();
        await cluster.api.start();
        const upAt = Date.now();
        await cluster.worker.start();
        log(`SQS answers again; both apps restarted; ${outboxLeft} outbox rows were waiting`);

        const result = await load.result;
        const verdict = await verify(cluster, {
          loads: [result],
          apiFaults: [{ from: stoppingAt, to: upAt }],
          settleTimeoutMs: 90_000,
        });
        for (const [name, exit] of [
          ['sales-worker', worker],
          ['customer-api', api],
        ] as const) {
          if (exit.code !== 0 || exit.ms > STOP_TIMEOUT_MS + EXIT_SLACK_MS) {
            failures.push(
              `${name} exited ${exit.code ?? exit.signal} after ${exit.ms} ms ` +
                `(budget ${STOP_TIMEOUT_MS} ms)`,
            );
          }
        }
        if (outboxLeft === 0) {
          failures.push('the outbox was empty at the stop: the black hole tested nothing');
        }
        verdict.failures.unshift(...failures);
        verdict.notes.push(
          `worker exit ${worker.code} in ${worker.ms} ms, customer-api exit ${api.code} in ` +
            `${api.ms} ms, ${outboxLeft} outbox rows kept for the restart`,
        );
        return verdict;
      },
    ),
};

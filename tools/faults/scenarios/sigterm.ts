import { sleep } from '../http';
import { verify } from '../invariants';
import { Load, PaymentFactory } from '../load';
import { duplicatesLogged, Scenario, withCluster } from '../scenario';
import { whenMidBatch } from './worker-kill';

/** The apps' SHUTDOWN_TIMEOUT_MS in the cluster: the stop timeout each must exit within. */
const STOP_TIMEOUT_MS = 10_000;

export const sigterm: Scenario = {
  id: 8,
  name: 'SIGTERM under load to each app',
  run: ({ harness, log }) =>
    withCluster(
      harness,
      { label: 's8', workerEnv: { WORKER_RATE_LIMIT: '100' } },
      async (cluster) => {
        const failures: string[] = [];
        const load = new Load(cluster.apiHttp, new PaymentFactory(`s8-${harness.runId}`), {
          total: 700,
          concurrency: 32,
          ratePerSecond: 60,
        });
        await sleep(2_000);

        const held = await whenMidBatch(cluster);
        const worker = await cluster.worker.signal('SIGTERM', STOP_TIMEOUT_MS + 5_000);
        const redeliveredBefore = duplicatesLogged(cluster);
        log(`worker SIGTERMed holding ${held} messages: exit ${worker.code} after ${worker.ms} ms`);
        await cluster.worker.start();
        await sleep(2_500);

        // Duplicates found by the new worker are messages the stopped one received and did not
        // finish: a graceful stop finishes and deletes the batch in hand, so there must be none.
        const redelivered = duplicatesLogged(cluster) - redeliveredBefore;
        const inFlight = load.startedCount - load.acceptedCount;
        const stoppingAt = Date.now();
        const api = await cluster.api.signal('SIGTERM', STOP_TIMEOUT_MS + 5_000);
        log(`customer-api SIGTERMed under load: exit ${api.code} after ${api.ms} ms`);
        await cluster.api.start();
        const upAt = Date.now();

        const result = await load.result;
        const verdict = await verify(cluster, {
          loads: [result],
          apiFaults: [{ from: stoppingAt, to: upAt }],
        });
        for (const [name, exit] of [
          ['sales-worker', worker],
          ['customer-api', api],
        ] as const) {
          if (exit.code !== 0 || exit.ms > STOP_TIMEOUT_MS) {
            failures.push(`${name} exited ${exit.code ?? exit.signal} after ${exit.ms} ms`);
          }
        }
        if (held === 0 || redelivered > 0) {
          failures.push(
            `the worker's stop held ${held} messages and left ${redelivered} to be redelivered`,
          );
        }
        const closing = result.rejected.filter((r) => r.endedAt >= stoppingAt && r.sentAt <= upAt);
        const notProblems = closing.filter(
          (r) => !String(r.answer.headers['content-type']).startsWith('application/problem+json'),
        );
        if (notProblems.length > 0) {
          failures.push(
            `${notProblems.length} requests refused during shutdown without problem+json: ` +
              `${notProblems[0].answer.status} ${notProblems[0].answer.body.slice(0, 120)}`,
          );
        }
        verdict.failures.unshift(...failures);
        verdict.notes.push(
          `worker: held ${held} messages, exit ${worker.code} in ${worker.ms} ms, ` +
            `${redelivered} messages redelivered after it; ` +
            `customer-api: ~${inFlight} requests in flight, exit ${api.code} in ${api.ms} ms, ` +
            `${closing.length} refused while closing, ${result.unanswered.length} unanswered`,
        );
        return verdict;
      },
    ),
};

import { queueDepth } from '../../testing/queues';
import type { Cluster } from '../cluster';
import { sleep } from '../http';
import { verify } from '../invariants';
import { Load, PaymentFactory } from '../load';
import { duplicatesLogged, Scenario, withCluster } from '../scenario';

const KILLS = 3;

/**
 * Waits (a bounded while) until the worker holds received messages it has not deleted yet, so the
 * SIGKILL lands mid-batch rather than in an idle long poll. Answers how many it held.
 */
export async function whenMidBatch(cluster: Cluster, timeoutMs = 3_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let inFlight = 0;
  while (Date.now() < deadline) {
    inFlight = (await queueDepth(cluster.sqs, cluster.sales.url)).inFlight;
    if (inFlight > 0) {
      return inFlight;
    }
    await sleep(25);
  }
  return inFlight;
}

export const workerKill: Scenario = {
  id: 1,
  name: 'sales-worker SIGKILL mid-batch x3',
  run: ({ harness, log }) =>
    withCluster(
      harness,
      {
        label: 's1',
        // A rate cap below the arrival rate keeps a backlog and batches in the worker's hands:
        // the kills land mid-batch. (At 100/s a worker that writes a batch per transaction kept
        // up with the 60/s load and was sometimes killed idle.)
        workerEnv: { WORKER_RATE_LIMIT: '40' },
      },
      async (cluster) => {
        const load = new Load(cluster.apiHttp, new PaymentFactory(`s1-${harness.runId}`), {
          total: 600,
          concurrency: 32,
          ratePerSecond: 60,
        });
        const held: number[] = [];
        for (let kill = 1; kill <= KILLS; kill += 1) {
          await sleep(1_500);
          held.push(await whenMidBatch(cluster));
          const exit = await cluster.worker.signal('SIGKILL');
          log(`kill ${kill}: worker SIGKILLed (${exit.signal}) holding ${held.at(-1)} messages`);
          await sleep(500);
          await cluster.worker.start();
        }
        const result = await load.result;
        const verdict = await verify(cluster, { loads: [result] });
        if (held.some((n) => n === 0)) {
          verdict.failures.push(
            `a kill did not land mid-batch (messages held: ${held.join(', ')})`,
          );
        }
        verdict.notes.push(
          `messages held at each kill: ${held.join(', ')}; redelivered and found counted: ${duplicatesLogged(cluster)}`,
        );
        return verdict;
      },
    ),
};

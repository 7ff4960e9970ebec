import { sleep } from '../http';
import { verify } from '../invariants';
import { Load, PaymentFactory } from '../load';
import { Scenario, seconds, withCluster } from '../scenario';

/** The stand-in takes a few seconds to start again: the outage lasts ~10 s in all. */
const OUTAGE_MS = 7_000;

/**
 * The SQS stand-in process is SIGKILLed for ~10 s while payments keep coming, then started
 * again. The stand-in keeps queues in memory, so a restart is also an empty new region: it is
 * killed before the load starts, when its queues hold nothing of this scenario, because losing
 * stored messages is not a failure mode of SQS itself (it is durable) and would say nothing about
 * the product. What the apps see is the real thing: connections refused for ten seconds.
 */
export const sqsOutage: Scenario = {
  id: 3,
  name: 'SQS stand-in killed ~10 s',
  run: ({ harness, log }) =>
    withCluster(harness, { label: 's3' }, async (cluster) => {
      await harness.sqsServer.stop();
      const down = Date.now();
      log('SQS stand-in SIGKILLed');
      const load = new Load(cluster.apiHttp, new PaymentFactory(`s3-${harness.runId}`), {
        total: 520,
        concurrency: 32,
        ratePerSecond: 40,
      });
      await sleep(OUTAGE_MS);
      const acceptedWhileDown = load.acceptedCount;
      const outboxAtRestart = await cluster.customerDb.count('outbox');
      await harness.sqsServer.start();
      // A new stand-in on the same port: the same names give the same queue URLs.
      await cluster.ensureQueues();
      log(
        `SQS back after ${seconds(Date.now() - down)}; ${acceptedWhileDown} payments accepted ` +
          `meanwhile, ${outboxAtRestart} waiting in the outbox`,
      );
      const result = await load.result;
      const verdict = await verify(cluster, { loads: [result] });
      if (outboxAtRestart === 0) {
        verdict.failures.push('the outbox held nothing during the outage: nothing was tested');
      }
      verdict.notes.push(
        `${acceptedWhileDown} payments accepted while SQS was down; ${outboxAtRestart} outbox rows waiting when it came back`,
      );
      return verdict;
    }),
};

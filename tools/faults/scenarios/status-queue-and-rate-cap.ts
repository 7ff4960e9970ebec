import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { sleep } from '../http';
import { verify } from '../invariants';
import { Load, PaymentFactory } from '../load';
import {
  duplicatesLogged,
  logLines,
  pausesLogged,
  recordedAfterRedelivery,
  retriesLogged,
  Scenario,
  seconds,
  withCluster,
} from '../scenario';

/** SQS refuses to create a queue under a deleted one's name for 60 s: an operator waits that. */
const GONE_MS = 60_000;

/**
 * The payment-status queue is deleted under load and created again a minute later. The sales
 * it could not report stay recorded; the worker pauses on the report it cannot send (never
 * drops it, never reports sales.failed) and reports them once the queue is back.
 */
export const statusQueueDeleted: Scenario = {
  id: 12,
  name: 'payment-status queue deleted for 1 min, then created again',
  background: true,
  run: ({ harness, log }) =>
    withCluster(
      harness,
      {
        label: 's12',
        ownSqs: true,
        connectTimeoutMs: 5_000,
        // Reports already waiting in the queue when it is deleted are lost with it: those
        // payments come back through customer-api's re-ask, made quick here (10 min by default).
        apiEnv: {
          PENDING_REASK_AFTER_SECONDS: '20',
          PENDING_REASK_INTERVAL_SECONDS: '30',
          PENDING_REASK_SCAN_MS: '2000',
        },
      },
      async (cluster) => {
        const load = new Load(cluster.apiHttp, new PaymentFactory(`s12-${harness.runId}`), {
          total: 300,
          concurrency: 16,
          ratePerSecond: 20,
        });
        await load.whenAccepted(80);
        await cluster.sqs.send(new DeleteQueueCommand({ QueueUrl: cluster.paymentStatus.url }));
        const deletedAt = Date.now();
        log(`payment-status deleted; ${load.acceptedCount} payments accepted so far`);
        await sleep(GONE_MS);
        await cluster.ensureQueues();
        log(`payment-status created again after ${seconds(Date.now() - deletedAt)}`);
        const result = await load.result;
        const verdict = await verify(cluster, { loads: [result], settleTimeoutMs: 90_000 });
        const pauses = pausesLogged(cluster.worker.logFile);
        const retried = retriesLogged(cluster);
        if (pauses.paused < 1) {
          verdict.failures.push('the worker never paused while its report queue was gone');
        }
        if (retried > 0) {
          verdict.failures.push(`${retried} deliveries were counted as failed by the worker`);
        }
        verdict.notes.push(
          `the sales consumer paused ${pauses.paused}× (longest ${seconds(pauses.longestMs)}) on the ` +
            `missing report queue; ${retried} deliveries counted as failed`,
        );
        return verdict;
      },
    ),
};

/** Held messages: loops × batch ÷ rate = 2 × 4 ÷ 1 = 8 s, under the 10 s visibility timeout. */
const RATE_CAP_ENV = {
  WORKER_RATE_LIMIT: '1',
  SQS_RECEIVE_LOOPS: '2',
  WORKER_BATCH_SIZE: '4',
};
const BACKLOG = 150;

/**
 * The worker capped at 1 payment/s with a backlog of 150: every message waits in hand for its
 * turn, the heartbeat keeps it invisible, and none is delivered twice (the receive counts the
 * worker logs are all 1).
 */
export const rateCapBacklog: Scenario = {
  id: 13,
  name: 'worker rate cap 1/s with a backlog of 150',
  background: true,
  run: ({ harness, log }) =>
    withCluster(
      harness,
      {
        label: 's13',
        ownSqs: true,
        connectTimeoutMs: 5_000,
        queue: { visibilityTimeoutSeconds: 10 },
        workerEnv: RATE_CAP_ENV,
      },
      async (cluster) => {
        const result = await new Load(cluster.apiHttp, new PaymentFactory(`s13-${harness.runId}`), {
          total: BACKLOG,
          concurrency: 16,
          ratePerSecond: 50,
        }).result;
        log(`${result.accepted.length} payments accepted; draining at 1/s`);
        const verdict = await verify(cluster, { loads: [result], settleTimeoutMs: 240_000 });
        const recorded = logLines(cluster.worker.logFile).filter((l) => l.msg === 'sale recorded');
        const redelivered = recordedAfterRedelivery(cluster);
        const duplicates = duplicatesLogged(cluster);
        const times = recorded.map((l) => Number(l.time)).sort((a, b) => a - b);
        const spanS = times.length > 1 ? (times[times.length - 1] - times[0]) / 1000 : 0;
        if (redelivered > 0 || duplicates > 0) {
          verdict.failures.push(
            `${redelivered} payments were recorded on a redelivery and ${duplicates} found already counted: messages held for the rate cap came back`,
          );
        }
        if (spanS < (BACKLOG - 1) / 1.5) {
          verdict.failures.push(
            `${recorded.length} payments in ${spanS.toFixed(0)} s: the cap of 1/s did not hold`,
          );
        }
        verdict.notes.push(
          `${recorded.length} payments recorded over ${spanS.toFixed(0)} s (cap 1/s), ` +
            `${redelivered} on a redelivery, ${duplicates} found already counted`,
        );
        return verdict;
      },
    ),
};

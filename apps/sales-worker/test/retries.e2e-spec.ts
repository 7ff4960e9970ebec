import { SQSClient } from '@aws-sdk/client-sqs';
import { SALES_FAILED, SALES_RECORDED } from '@app/contracts';
import { retryDelaySeconds, RetryPolicy } from '@app/messaging/retry-policy';
import { createTestDatabase, databaseKinds, TestDatabase } from '../../../tools/testing/databases';
import {
  createTestQueues,
  eventually,
  queueDepth,
  testSqsClient,
  TestQueues,
} from '../../../tools/testing/queues';
import { MonthlyTotal } from '../src/sales/monthly-total.entity';
import { Sale } from '../src/sales/sale.entity';
import { MessageFault, messageFault } from './faults';
import {
  encoded,
  paymentRecorded,
  QueueInbox,
  Receive,
  send,
  sleep,
  startSalesWorker,
  Worker,
} from './sales-worker.harness';

/**
 * Small numbers keep the test short; the queue's redrive policy (MAX_RECEIVE_COUNT) is one above
 * the worker's own budget. The failures are the messages' own (the sales DB refuses them while
 * it is up): an outage would pause the worker instead (pause.e2e-spec.ts).
 */
const POLICY: RetryPolicy = { baseDelaySeconds: 1, maxDelaySeconds: 8, maxAttempts: 4 };
/** Long-poll wake-up, a ChangeMessageVisibility round trip, a loaded CI machine. */
const SLACK_MS = 1_500;

/** The delay range after the `attempt`-th delivery, from the policy with no and full jitter. */
function delayRangeMs(attempt: number): [number, number] {
  return [
    retryDelaySeconds(attempt, POLICY, () => 0) * 1000,
    retryDelaySeconds(attempt, POLICY, () => 1) * 1000,
  ];
}

function gapsMs(receives: Receive[]): number[] {
  return receives.slice(1).map((r, i) => r.at - receives[i].at);
}

describe.each(databaseKinds())('sales-worker retries (%s)', (kind) => {
  let sqs: SQSClient;
  let db: TestDatabase;
  let queues: TestQueues;
  let fault: MessageFault;
  let worker: Worker;
  let status: QueueInbox;
  let deadLetters: QueueInbox;

  beforeAll(async () => {
    sqs = testSqsClient();
    db = await createTestDatabase(kind, 'retries');
    queues = await createTestQueues(sqs, {
      maxReceiveCount: POLICY.maxAttempts + 1,
      visibilityTimeoutSeconds: 30,
      retentionSeconds: 3600,
    });
    fault = await messageFault(db);
    worker = await startSalesWorker(db, queues, {
      RETRY_BASE_DELAY_SECONDS: String(POLICY.baseDelaySeconds),
      RETRY_MAX_DELAY_SECONDS: String(POLICY.maxDelaySeconds),
      MAX_RECEIVE_COUNT: String(POLICY.maxAttempts + 1),
      MAX_ATTEMPTS: String(POLICY.maxAttempts),
      DATABASE_CONNECT_TIMEOUT_MS: '500',
    });
    status = new QueueInbox(sqs, queues.paymentStatus.url);
    deadLetters = new QueueInbox(sqs, queues.sales.dlqUrl);
  });

  afterAll(async () => {
    await worker?.close();
    await fault?.close();
    await db?.drop();
    sqs?.destroy();
  });

  function deliveriesOf(paymentId: string): Receive[] {
    return worker.receives.filter((r) => r.body.includes(paymentId));
  }

  it('should retry a failure of the message with growing delays, then count the payment once', async () => {
    const payment = paymentRecorded({ period: '2032-01', amount: 5_000, customerId: 'cust-retry' });
    await fault.refuse('cust-retry');
    try {
      await send(sqs, queues.sales.url, [encoded(payment)]);
      await eventually(
        async () => (deliveriesOf(payment.paymentId).length >= 3 ? true : undefined),
        {
          what: 'three failed deliveries',
        },
      );
      // The third delivery fails at once; the fourth is due 2-4 s later.
      await sleep(500);
    } finally {
      await fault.accept();
    }
    const [report] = await status.waitFor(payment.paymentId, SALES_RECORDED);

    const deliveries = deliveriesOf(payment.paymentId);
    const gaps = gapsMs(deliveries);
    console.log(
      `${kind}: deliveries at +${deliveries.map((d) => d.at - deliveries[0].at).join(' ms, +')} ms`,
    );
    expect(deliveries.map((d) => d.receiveCount)).toEqual([1, 2, 3, 4]);
    gaps.forEach((gap, i) => {
      const [min, max] = delayRangeMs(i + 1);
      expect(gap).toBeGreaterThanOrEqual(min - 50);
      expect(gap).toBeLessThanOrEqual(max + SLACK_MS);
    });
    // Not reset to 0 by the consumer, and growing: the third wait is longer than the first.
    expect(gaps[2]).toBeGreaterThan(gaps[0]);

    const sale = await worker.dataSource.getRepository(Sale).findOneByOrFail({
      paymentId: payment.paymentId,
    });
    expect(report.body.recordedAt).toBe(sale.createdAt.toISOString());
    await expect(
      worker.dataSource.getRepository(MonthlyTotal).findBy({ period: '2032-01' }),
    ).resolves.toEqual([{ period: '2032-01', currency: 'USD', count: 1, amount: '5000' }]);
  });

  it('should report sales.failed and dead-letter a message still failing after MAX_ATTEMPTS deliveries', async () => {
    const payment = paymentRecorded({
      period: '2032-02',
      amount: 6_000,
      customerId: 'cust-doomed',
    });
    await fault.refuse('cust-doomed');
    try {
      await send(sqs, queues.sales.url, [encoded(payment, 'req-doomed')]);
      await status.waitFor(payment.paymentId, SALES_FAILED);
      await deadLetters.waitFor(payment.paymentId, 'payment.recorded');
    } finally {
      await fault.accept();
    }

    const [failed] = status.about(payment.paymentId, SALES_FAILED);
    expect(failed.attributes.correlationId).toBe('req-doomed');
    expect(failed.body).toMatchObject({
      type: SALES_FAILED,
      version: 1,
      paymentId: payment.paymentId,
      code: 'RETRIES_EXHAUSTED',
      attempts: POLICY.maxAttempts,
    });
    // customer-api shows this text to its client: no hosts, drivers or table names.
    expect(failed.body.message).not.toMatch(/127\.0\.0\.1|ECONN|monthly_totals|SQL|PROTOCOL/i);
    expect(deliveriesOf(payment.paymentId).map((d) => d.receiveCount)).toEqual([1, 2, 3, 4]);

    // The worker copied it to the DLQ itself, at its own budget: body and attributes kept.
    const [dead] = deadLetters.about(payment.paymentId);
    expect(dead.raw).toBe(encoded(payment).body);
    expect(dead.attributes.correlationId).toBe('req-doomed');
    const depth = await queueDepth(sqs, queues.sales.url);
    expect(depth.visible + depth.inFlight).toBe(0);
    // Nothing of it was committed, in either table.
    await expect(
      worker.dataSource.getRepository(Sale).existsBy({ paymentId: payment.paymentId }),
    ).resolves.toBe(false);
    await expect(
      worker.dataSource.getRepository(MonthlyTotal).countBy({ period: '2032-02' }),
    ).resolves.toBe(0);
  });
});

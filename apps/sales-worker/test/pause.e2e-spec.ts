import { SQSClient } from '@aws-sdk/client-sqs';
import { SALES_FAILED, SALES_RECORDED } from '@app/contracts';
import {
  createTestDatabase,
  databaseFault,
  DatabaseFault,
  databaseKinds,
  TestDatabase,
} from '../../../tools/testing/databases';
import {
  createTestQueues,
  eventually,
  queueDepth,
  testSqsClient,
  TestQueues,
} from '../../../tools/testing/queues';
import { loadEnvironment } from '../src/config/environment.module';
import { Sale } from '../src/sales/sale.entity';
import { messageFault, MessageFault } from './faults';
import {
  encoded,
  paymentRecorded,
  QueueInbox,
  send,
  sleep,
  startSalesWorker,
  Worker,
} from './sales-worker.harness';

/** Longer than the worker's whole retry budget (2 attempts, 1 s apart) many times over. */
const OUTAGE_MS = 12_000;

/** The worker's consumer_paused gauge, summed over its labels. */
async function pausedGauge(worker: Worker): Promise<number> {
  const res = await worker.http().get('/metrics');
  return String(res.text)
    .split('\n')
    .filter((line) => line.startsWith('consumer_paused{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe.each(databaseKinds())('sales-worker when its database is down (%s)', (kind) => {
  let sqs: SQSClient;
  let db: TestDatabase;
  let queues: TestQueues;
  let fault: DatabaseFault;
  let refusal: MessageFault;
  let worker: Worker;
  let status: QueueInbox;

  beforeAll(async () => {
    sqs = testSqsClient();
    db = await createTestDatabase(kind, 'pause');
    queues = await createTestQueues(sqs, {
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 6,
      retentionSeconds: 3600,
    });
    fault = await databaseFault(db);
    refusal = await messageFault(db);
    worker = await startSalesWorker(db, queues, {
      ...(fault.url ? { DATABASE_URL: fault.url } : {}),
      MAX_RECEIVE_COUNT: '3',
      MAX_ATTEMPTS: '2',
      SQS_VISIBILITY_TIMEOUT_SECONDS: '6',
      RETRY_BASE_DELAY_SECONDS: '1',
      RETRY_MAX_DELAY_SECONDS: '1',
      DATABASE_CONNECT_TIMEOUT_MS: '500',
    });
    status = new QueueInbox(sqs, queues.paymentStatus.url);
  });

  afterAll(async () => {
    await worker?.close();
    await refusal?.close();
    await fault?.close();
    await db?.drop();
    sqs?.destroy();
  });

  it('should pause while the DB is down, keep the message in hand without spending deliveries, and resume by itself', async () => {
    const payment = paymentRecorded({ period: '2033-01', amount: 7_000 });
    await fault.break();
    try {
      await send(sqs, queues.sales.url, [encoded(payment)]);
      await eventually(async () => ((await pausedGauge(worker)) === 1 ? true : undefined), {
        what: 'consumer_paused to be 1',
        timeoutMs: 20_000,
      });
      await sleep(OUTAGE_MS);
      // Held, not handed back: invisible all along (the heartbeat), received once.
      const depth = await queueDepth(sqs, queues.sales.url);
      expect(depth).toMatchObject({ visible: 0, inFlight: 1 });
    } finally {
      await fault.repair();
    }
    await status.waitFor(payment.paymentId, SALES_RECORDED, 1, 40_000);
    expect(status.about(payment.paymentId, SALES_FAILED)).toHaveLength(0);
    const deliveries = worker.receives.filter((r) => r.body.includes(payment.paymentId));
    expect(deliveries.map((d) => d.receiveCount)).toEqual([1]);
    expect(await pausedGauge(worker)).toBe(0);
    const dead = await queueDepth(sqs, queues.sales.dlqUrl);
    expect(dead.visible + dead.inFlight).toBe(0);
    await expect(
      worker.dataSource.getRepository(Sale).existsBy({ paymentId: payment.paymentId }),
    ).resolves.toBe(true);
  });

  it('should report sales.recorded, not sales.failed, when it gives up on a payment whose sale exists', async () => {
    const payment = paymentRecorded({ period: '2033-02', amount: 8_000, customerId: 'cust-truth' });
    // Counted by an earlier delivery whose acknowledgement was lost; this one keeps failing.
    await worker.dataSource.getRepository(Sale).insert({
      paymentId: payment.paymentId,
      customerId: payment.customerId,
      policyId: payment.policyId,
      amount: payment.amount,
      currency: payment.currency,
      period: payment.period,
      paidAt: new Date(payment.paidAt),
      recordedAt: new Date(payment.recordedAt),
      correlationId: null,
      createdAt: new Date(),
    });
    await refusal.refuse('cust-truth');
    try {
      await send(sqs, queues.sales.url, [encoded(payment)]);
      await status.waitFor(payment.paymentId, SALES_RECORDED, 1, 30_000);
    } finally {
      await refusal.accept();
    }
    expect(status.about(payment.paymentId, SALES_FAILED)).toHaveLength(0);
    const deliveries = worker.receives.filter((r) => r.body.includes(payment.paymentId));
    expect(deliveries.map((d) => d.receiveCount)).toEqual([1, 2]);
    await eventually(
      async () => {
        const depth = await queueDepth(sqs, queues.sales.url);
        return depth.visible + depth.inFlight === 0 ? true : undefined;
      },
      { what: 'the message acknowledged' },
    );
    const dead = await queueDepth(sqs, queues.sales.dlqUrl);
    expect(dead.visible + dead.inFlight).toBe(0);
  });
});

describe('sales-worker configuration', () => {
  it('should refuse a rate cap that cannot get through the messages in hand within the visibility timeout', () => {
    expect(() =>
      loadEnvironment({
        NODE_ENV: 'test',
        WORKER_RATE_LIMIT: '1',
        SQS_RECEIVE_LOOPS: '4',
        WORKER_BATCH_SIZE: '10',
        SQS_VISIBILITY_TIMEOUT_SECONDS: '30',
      }),
    ).toThrow(
      /WORKER_RATE_LIMIT: SQS_RECEIVE_LOOPS × WORKER_BATCH_SIZE ÷ WORKER_RATE_LIMIT = 4 × 10 ÷ 1 = 40\.0 s/,
    );
    expect(() =>
      loadEnvironment({
        NODE_ENV: 'test',
        WORKER_RATE_LIMIT: '2',
        SQS_RECEIVE_LOOPS: '4',
        WORKER_BATCH_SIZE: '5',
      }),
    ).not.toThrow();
  });

  it('should refuse a budget that leaves the redrive policy no room', () => {
    expect(() =>
      loadEnvironment({ NODE_ENV: 'test', MAX_ATTEMPTS: '5', MAX_RECEIVE_COUNT: '5' }),
    ).toThrow(/MAX_ATTEMPTS: MAX_ATTEMPTS \(5\) must be below MAX_RECEIVE_COUNT \(5\)/);
  });
});

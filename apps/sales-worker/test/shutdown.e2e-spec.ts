import { SQSClient } from '@aws-sdk/client-sqs';
import { SALES_RECORDED } from '@app/contracts';
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
import {
  encoded,
  openDatabase,
  paymentRecorded,
  QueueInbox,
  send,
  startSalesWorker,
  Worker,
} from './sales-worker.harness';

describe.each(databaseKinds())('sales-worker backpressure and shutdown (%s)', (kind) => {
  let sqs: SQSClient;
  let db: TestDatabase;
  let queues: TestQueues;
  const workers: Worker[] = [];

  beforeAll(async () => {
    sqs = testSqsClient();
    db = await createTestDatabase(kind, 'shutdown');
  });

  // Queues of its own for each test: a long poll aborted by a stopping worker may still take
  // messages sent within its wait time (they come back after the visibility timeout).
  beforeEach(async () => {
    queues = await createTestQueues(sqs, {
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 5,
      retentionSeconds: 3600,
    });
  });

  afterAll(async () => {
    for (const worker of workers) {
      await worker.close();
    }
    await db?.drop();
    sqs?.destroy();
  });

  async function start(overrides: Record<string, string> = {}): Promise<Worker> {
    const worker = await startSalesWorker(db, queues, overrides);
    workers.push(worker);
    return worker;
  }

  async function salesOf(worker: Worker, period: string): Promise<Sale[]> {
    return worker.dataSource
      .getRepository(Sale)
      .find({ where: { period }, order: { createdAt: 'ASC' } });
  }

  it('should not write faster than WORKER_RATE_LIMIT', async () => {
    const payments = Array.from({ length: 15 }, () => paymentRecorded({ period: '2034-01' }));
    await send(
      sqs,
      queues.sales.url,
      payments.map((p) => encoded(p)),
    );
    const worker = await start({ WORKER_RATE_LIMIT: '5', WORKER_CONCURRENCY: '2' });

    const sales = await eventually(
      async () => {
        const stored = await salesOf(worker, '2034-01');
        return stored.length === payments.length ? stored : undefined;
      },
      { what: 'all 15 sales' },
    );
    // A burst of 5 (one second's worth), then one every 200 ms.
    const spanMs = sales[sales.length - 1].createdAt.getTime() - sales[0].createdAt.getTime();
    expect(spanMs).toBeGreaterThanOrEqual(((payments.length - 5) / 5) * 1000 - 50);
    await worker.shutDown();
  });

  it('should finish the batch in hand on shutdown, and a new instance the rest: nothing lost or counted twice', async () => {
    const period = '2034-02';
    const payments = Array.from({ length: 35 }, (_, i) =>
      paymentRecorded({ period, amount: 1_000 + i }),
    );
    await send(
      sqs,
      queues.sales.url,
      payments.map((p) => encoded(p)),
    );
    // Slow enough (two batches of 10 take ~5 s) to be stopped in the middle of them; two
    // receive loops, each holding a batch, so the drain must wait for both.
    const first = await start({ WORKER_RATE_LIMIT: '4', SQS_RECEIVE_LOOPS: '2' });
    await eventually(async () => ((await salesOf(first, period)).length >= 2 ? true : undefined), {
      what: 'the first sales',
    });
    await first.shutDown();

    // Every message it had received was finished (committed, reported, acknowledged: none is
    // left in flight); the rest waits on the queue.
    const inspect = await openDatabase(db);
    const status = new QueueInbox(sqs, queues.paymentStatus.url);
    try {
      const stored = await inspect.getRepository(Sale).countBy({ period });
      expect(stored).toBeGreaterThanOrEqual(2);
      expect(stored).toBeLessThan(payments.length);
      await expect(queueDepth(sqs, queues.sales.url)).resolves.toEqual({
        visible: payments.length - stored,
        inFlight: 0,
      });
      await status.poll();
      expect(status.messages).toHaveLength(stored);
    } finally {
      await inspect.destroy();
    }

    // A new instance on the same DB and queues takes the rest.
    const second = await start();
    await eventually(
      async () => {
        await status.poll();
        return payments.every((p) => status.about(p.paymentId, SALES_RECORDED).length > 0)
          ? true
          : undefined;
      },
      { what: 'all 35 reports' },
    );
    // Each exactly once: no message was handled by both instances.
    for (const payment of payments) {
      expect(status.about(payment.paymentId, SALES_RECORDED)).toHaveLength(1);
    }
    await expect(salesOf(second, period)).resolves.toHaveLength(payments.length);
    await expect(second.dataSource.getRepository(MonthlyTotal).findBy({ period })).resolves.toEqual(
      [
        {
          period,
          currency: 'USD',
          count: payments.length,
          amount: String(payments.reduce((sum, p) => sum + p.amount, 0)),
        },
      ],
    );
  });
});

import { DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SALES_RECORDED } from '@app/contracts';
import { ensureQueues } from '@app/messaging/queue-setup';
import {
  createTestDatabase,
  DatabaseKind,
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
import { MonthlyTotal } from '../src/sales/monthly-total.entity';
import { Sale } from '../src/sales/sale.entity';
import {
  encoded,
  paymentRecorded,
  QueueInbox,
  send,
  sleep,
  startSalesWorker,
  Worker,
} from './sales-worker.harness';

const QUEUE_OPTIONS = { maxReceiveCount: 5, visibilityTimeoutSeconds: 30, retentionSeconds: 3600 };

interface Variant {
  label: string;
  kind: DatabaseKind;
  scheme?: string;
}

/** MySQL also under `mariadb://`, which selects TypeORM's MariaDB dialect. */
const VARIANTS = databaseKinds().flatMap((kind): Variant[] =>
  kind === 'mysql'
    ? [
        { label: 'mysql', kind },
        { label: 'mysql via mariadb://', kind, scheme: 'mariadb://' },
      ]
    : [{ label: kind, kind }],
);

describe.each(VARIANTS)('sales-worker recording payments ($label)', ({ kind, scheme }) => {
  let sqs: SQSClient;
  let db: TestDatabase;
  let queues: TestQueues;
  let worker: Worker;
  let status: QueueInbox;

  beforeAll(async () => {
    sqs = testSqsClient();
    db = await createTestDatabase(kind, 'sales');
    queues = await createTestQueues(sqs, QUEUE_OPTIONS);
    worker = await startSalesWorker(
      db,
      queues,
      db.url && scheme ? { DATABASE_URL: db.url.replace(/^mysql:\/\//, scheme) } : {},
    );
    status = new QueueInbox(sqs, queues.paymentStatus.url);
  });

  afterAll(async () => {
    await worker?.close();
    await db?.drop();
    sqs?.destroy();
  });

  async function salesQueueEmpty(): Promise<void> {
    await eventually(
      async () => {
        const depth = await queueDepth(sqs, queues.sales.url);
        return depth.visible + depth.inFlight === 0 ? true : undefined;
      },
      { what: 'an empty sales queue' },
    );
  }

  it('should record a payment and report sales.recorded with its correlationId', async () => {
    const payment = paymentRecorded({ period: '2031-01', amount: 99_999_999_999 });
    const sentFrom = Date.now();
    await send(sqs, queues.sales.url, [encoded(payment, 'req-first-payment')]);

    const [report] = await status.waitFor(payment.paymentId, SALES_RECORDED);
    expect(report.attributes).toMatchObject({
      type: SALES_RECORDED,
      version: '1',
      correlationId: 'req-first-payment',
    });
    const sale = await worker.dataSource.getRepository(Sale).findOneByOrFail({
      paymentId: payment.paymentId,
    });
    expect(report.body).toEqual({
      type: SALES_RECORDED,
      version: 1,
      paymentId: payment.paymentId,
      recordedAt: sale.createdAt.toISOString(),
    });
    expect(sale).toMatchObject({
      customerId: payment.customerId,
      policyId: payment.policyId,
      amount: 99_999_999_999,
      currency: 'USD',
      period: '2031-01',
      paidAt: new Date(payment.paidAt),
      recordedAt: new Date(payment.recordedAt),
      correlationId: 'req-first-payment',
    });
    // The instants bench/ times the hops with: published (SQS SentTimestamp), received, written.
    const published = sale.publishedAt?.getTime() ?? Number.NaN;
    const received = sale.receivedAt?.getTime() ?? Number.NaN;
    expect(published).toBeGreaterThanOrEqual(sentFrom);
    expect(received).toBeGreaterThanOrEqual(published);
    expect(sale.createdAt.getTime()).toBeGreaterThanOrEqual(received);

    const one = await worker.http().get(`/sales/payments/${payment.paymentId}`).expect(200);
    expect(one.body).toEqual({
      paymentId: payment.paymentId,
      customerId: payment.customerId,
      policyId: payment.policyId,
      amount: 99_999_999_999,
      currency: 'USD',
      period: '2031-01',
      paidAt: payment.paidAt,
      recordedAt: payment.recordedAt,
      createdAt: sale.createdAt.toISOString(),
      correlationId: 'req-first-payment',
    });
    const month = await worker.http().get('/sales?period=2031-01').expect(200);
    expect(month.body).toEqual({
      period: '2031-01',
      totals: [{ currency: 'USD', count: 1, amount: '99999999999' }],
    });
    await salesQueueEmpty();
  });

  it('should count a payment delivered five times once and report it each time', async () => {
    const payment = paymentRecorded({ period: '2031-02', amount: 700 });
    const message = encoded(payment);
    // Three copies in one batch (handled concurrently), then two late redeliveries.
    await send(sqs, queues.sales.url, [message, message, message]);
    await status.waitFor(payment.paymentId, SALES_RECORDED, 3);
    await send(sqs, queues.sales.url, [message, message]);
    const reports = await status.waitFor(payment.paymentId, SALES_RECORDED, 5);

    expect(reports).toHaveLength(5);
    const firstRecordedAt = reports[0].body.recordedAt;
    expect(reports.map((r) => r.body.recordedAt)).toEqual(Array(5).fill(firstRecordedAt));
    expect(reports.map((r) => r.attributes.correlationId)).toEqual(
      Array(5).fill(`corr-${payment.paymentId}`),
    );
    await expect(
      worker.dataSource.getRepository(Sale).countBy({ period: '2031-02' }),
    ).resolves.toBe(1);
    await expect(
      worker.dataSource.getRepository(MonthlyTotal).findBy({ period: '2031-02' }),
    ).resolves.toEqual([{ period: '2031-02', currency: 'USD', count: 1, amount: '700' }]);
    await salesQueueEmpty();
  });

  it('should keep each monthly total equal to the sum of its payments', async () => {
    const currencies = ['EUR', 'JPY', 'USD'];
    const periods = ['2031-03', '2031-04'];
    const payments = Array.from({ length: 30 }, (_, i) =>
      paymentRecorded({
        period: periods[i % 2],
        currency: currencies[i % 3],
        // Integers up to the contract's maximum; the sums stay far below 2^53.
        amount: i === 0 ? 100_000_000_000 : 1 + Math.floor(Math.random() * 1_000_000_000),
      }),
    );
    await send(
      sqs,
      queues.sales.url,
      payments.map((p) => encoded(p)),
    );
    await eventually(
      async () => {
        await status.poll();
        return payments.every((p) => status.about(p.paymentId, SALES_RECORDED).length > 0)
          ? true
          : undefined;
      },
      { what: '30 sales.recorded reports' },
    );

    for (const period of periods) {
      const expected = currencies
        .map((currency) => {
          const mine = payments.filter((p) => p.period === period && p.currency === currency);
          return {
            currency,
            count: mine.length,
            amount: String(mine.reduce((sum, p) => sum + p.amount, 0)),
          };
        })
        .filter((total) => total.count > 0);
      const answer = await worker.http().get(`/sales?period=${period}`).expect(200);
      expect(answer.body).toEqual({ period, totals: expected });

      // The totals agree with the sales they sum up, in the DB itself.
      const summed = await worker.dataSource
        .getRepository(Sale)
        .createQueryBuilder('s')
        .select('s.currency', 'currency')
        .addSelect('COUNT(*)', 'count')
        .addSelect('SUM(s.amount)', 'amount')
        .where('s.period = :period', { period })
        .groupBy('s.currency')
        .orderBy('s.currency')
        .getRawMany<{ currency: string; count: string | number; amount: string | number }>();
      expect(
        summed.map((r) => ({ ...r, count: Number(r.count), amount: String(r.amount) })),
      ).toEqual(expected);
    }
  });

  it('should keep a message whose report SQS refused in hand, paused, and report it once the queue is back', async () => {
    const payment = paymentRecorded({ period: '2031-05', amount: 4_200 });
    const statusQueue = queues.paymentStatus;
    await sqs.send(new DeleteQueueCommand({ QueueUrl: statusQueue.url }));
    try {
      await send(sqs, queues.sales.url, [encoded(payment)]);
      // Committed, but its report cannot be sent: the message must stay on the queue.
      await eventually(
        async () =>
          (await worker.dataSource.getRepository(Sale).existsBy({ paymentId: payment.paymentId }))
            ? true
            : undefined,
        { what: 'the sale in the DB' },
      );
      await sleep(300);
      const depth = await queueDepth(sqs, queues.sales.url);
      expect(depth.visible + depth.inFlight).toBe(1);
    } finally {
      await ensureQueues(sqs, [statusQueue.name], QUEUE_OPTIONS);
    }

    const reports = await status.waitFor(payment.paymentId, SALES_RECORDED);
    expect(reports).toHaveLength(1);
    const deliveries = worker.receives.filter((r) => r.body.includes(payment.paymentId));
    expect(deliveries.map((r) => r.receiveCount)).toEqual([1]);
    await expect(
      worker.dataSource.getRepository(MonthlyTotal).findBy({ period: '2031-05' }),
    ).resolves.toEqual([{ period: '2031-05', currency: 'USD', count: 1, amount: '4200' }]);
    await salesQueueEmpty();
  });

  it('should answer 400 problem+json for a missing or malformed period', async () => {
    for (const query of [
      '',
      '?period=2026-13',
      '?period=11-2026',
      '?period=2026-11&period=2026-12',
    ]) {
      const answer = await worker.http().get(`/sales${query}`).expect(400);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ type: 'urn:problem:invalid-request', status: 400 });
      const fields = (answer.body as { errors: { field: string }[] }).errors.map((e) => e.field);
      expect(new Set(fields)).toEqual(new Set(['period']));
    }
    const unknown = await worker.http().get('/sales?period=2026-11&currency=USD').expect(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'currency' })]);
    const empty = await worker.http().get('/sales?period=1999-01').expect(200);
    expect(empty.body).toEqual({ period: '1999-01', totals: [] });
  });

  it('should answer 400 for a payment id that is not a UUID and 404 for an unknown one', async () => {
    const bad = await worker.http().get('/sales/payments/not-a-uuid').expect(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'paymentId' })]);
    const unknown = await worker
      .http()
      .get('/sales/payments/0b7e7c1e-8a57-4a57-9f2a-3a3f3d2b1c00')
      .expect(404);
    expect(unknown.body).toMatchObject({ status: 404, code: 'SALE_NOT_FOUND' });
  });

  it('should be ready while the database and the queues answer', async () => {
    const ready = await worker.http().get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ok' });
  });

  it('should count what became of each delivery, next to the queue depths, at GET /metrics', async () => {
    const payment = paymentRecorded({ period: '2031-06' });
    await send(sqs, queues.sales.url, [encoded(payment)]);
    await status.waitFor(payment.paymentId, SALES_RECORDED);
    await send(sqs, queues.sales.url, [encoded(payment)]);
    await status.waitFor(payment.paymentId, SALES_RECORDED, 2);

    const metrics = await worker.http().get('/metrics').expect(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    const value = (series: string): number =>
      Number(
        new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(metrics.text)?.[1],
      );
    expect(value('sales_messages_total{outcome="recorded"}')).toBeGreaterThanOrEqual(1);
    expect(value('sales_messages_total{outcome="duplicate"}')).toBeGreaterThanOrEqual(1);
    expect(value('sales_message_duration_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(metrics.text).toContain(
      `sqs_queue_messages{queue="${queues.sales.name}-dlq",state="visible"}`,
    );
  });
});

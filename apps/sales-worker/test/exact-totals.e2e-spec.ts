import { SQSClient } from '@aws-sdk/client-sqs';
import { SALES_RECORDED } from '@app/contracts';
import { createTestDatabase, databaseKinds, TestDatabase } from '../../../tools/testing/databases';
import {
  createTestQueues,
  eventually,
  testSqsClient,
  TestQueues,
} from '../../../tools/testing/queues';
import {
  encoded,
  paymentRecorded,
  QueueInbox,
  send,
  startSalesWorker,
  Worker,
} from './sales-worker.harness';

const QUEUE_OPTIONS = { maxReceiveCount: 5, visibilityTimeoutSeconds: 30, retentionSeconds: 3600 };
const TWO_TO_53 = 2n ** 53n;

describe.each(databaseKinds())('sales-worker money and identifiers (%s)', (kind) => {
  let sqs: SQSClient;
  let db: TestDatabase;
  let queues: TestQueues;
  let worker: Worker;
  let status: QueueInbox;

  beforeAll(async () => {
    sqs = testSqsClient();
    db = await createTestDatabase(kind, 'totals');
    queues = await createTestQueues(sqs, QUEUE_OPTIONS);
    worker = await startSalesWorker(db, queues);
    status = new QueueInbox(sqs, queues.paymentStatus.url);
  });

  afterAll(async () => {
    await worker?.close();
    await db?.drop();
    sqs?.destroy();
  });

  async function recordAll(payments: ReturnType<typeof paymentRecorded>[]): Promise<void> {
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
      { what: `${payments.length} sales.recorded reports` },
    );
  }

  it('should add payments to a total past 2^53 and answer it exactly', async () => {
    // A month that already holds 2^53 - 3 minor units (about 90,000 maximum payments): the
    // row the worker's own upsert would have built, written here to save the time.
    const start = TWO_TO_53 - 3n;
    await worker.dataSource.query(
      'INSERT INTO monthly_totals (period, currency, count, amount) VALUES (?, ?, ?, ?)',
      ['2036-01', 'USD', 90_072, start.toString()],
    );
    const payments = [100_000_000_000, 1, 2, 99_999_999_999].map((amount) =>
      paymentRecorded({ period: '2036-01', currency: 'USD', amount }),
    );
    await recordAll(payments);

    const expected = start + payments.reduce((sum, p) => sum + BigInt(p.amount), 0n);
    const answer = await worker.http().get('/sales?period=2036-01').expect(200);
    expect(answer.body).toEqual({
      period: '2036-01',
      totals: [{ currency: 'USD', count: 90_072 + 4, amount: expected.toString() }],
    });
    expect(expected > TWO_TO_53).toBe(true);
    // Exactly what the database holds, digit for digit.
    const [row] = await worker.dataSource.query<{ amount: string }[]>(
      "SELECT CAST(amount AS CHAR) AS amount FROM monthly_totals WHERE period = '2036-01'",
    );
    expect(row.amount).toBe(expected.toString());
  });

  it('should keep payments whose identifiers differ only in case apart', async () => {
    const upper = paymentRecorded({ period: '2036-02', customerId: 'Cust-X', policyId: 'Pol-X' });
    const lower = paymentRecorded({ period: '2036-02', customerId: 'cust-x', policyId: 'pol-x' });
    await recordAll([upper, lower]);
    const count = async (column: string, value: string): Promise<number> => {
      const [row] = await worker.dataSource.query<{ n: number | string }[]>(
        `SELECT COUNT(*) AS n FROM sales WHERE ${column} = ?`,
        [value],
      );
      return Number(row.n);
    };
    await expect(count('customer_id', 'Cust-X')).resolves.toBe(1);
    await expect(count('customer_id', 'CUST-X')).resolves.toBe(0);
    await expect(count('policy_id', 'pol-x')).resolves.toBe(1);
    const answer = await worker.http().get('/sales?period=2036-02').expect(200);
    expect(answer.body.totals).toEqual([{ currency: 'USD', count: 2, amount: expect.any(String) }]);
  });

  if (kind === 'mysql') {
    it('should give every text column of the schema a binary collation', async () => {
      const columns = await worker.dataSource.query<{ name: string; collation: string }[]>(
        `SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME) AS name, COLLATION_NAME AS collation
         FROM information_schema.COLUMNS
         WHERE TABLE_SCHEMA = DATABASE() AND COLLATION_NAME IS NOT NULL AND TABLE_NAME <> 'migrations'`,
      );
      expect(columns.length).toBeGreaterThan(5);
      expect(columns.filter((c) => !c.collation.endsWith('_bin'))).toEqual([]);
    });
  }
});

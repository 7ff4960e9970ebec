import { createSqsClient } from '@app/messaging';
import { createTestDatabase, databaseKinds } from '../../../tools/testing/databases';
import { createTestQueues, eventually } from '../../../tools/testing/queues';
import { TcpProxy } from '../../../tools/testing/tcp-proxy';
import { startCustomerApi, VALID_PAYMENT } from './customer-api.harness';

const QUERY_TIMEOUT_MS = 1_500;
const CONNECT_TIMEOUT_MS = 1_000;
/** The bound a request must answer within, with room for a loaded machine. */
const BOUND_MS = QUERY_TIMEOUT_MS + CONNECT_TIMEOUT_MS + 4_000;

const mysqlOnly = databaseKinds().includes('mysql') ? ['mysql' as const] : [];

describe.each(mysqlOnly)('customer-api when its database stops answering (%s)', (kind) => {
  it('should answer 503 problem+json within the query timeout, not hang, and recover', async () => {
    const db = await createTestDatabase(kind, 'dbhang');
    const target = new URL(db.url as string);
    const proxy = await TcpProxy.start(target.hostname, Number(target.port || 3306));
    const viaProxy = new URL(db.url as string);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const sqs = createSqsClient({ region: 'us-east-1', endpoint: process.env.TEST_SQS_ENDPOINT });
    const queues = await createTestQueues(sqs);
    const api = await startCustomerApi(
      kind,
      sqs,
      process.env.TEST_SQS_ENDPOINT as string,
      {
        DATABASE_URL: viaProxy.toString(),
        DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
      },
      { db, queues },
    );
    try {
      const before = await api.http().post('/payments').send(VALID_PAYMENT).expect(202);
      const id = (before.body as { requestId: string }).requestId;

      // Connections stay open, nothing comes back: pooled ones and new ones alike.
      proxy.hang();
      for (const call of [
        () => api.http().get(`/payments/${id}`),
        () =>
          api
            .http()
            .post('/payments')
            .send({ ...VALID_PAYMENT, customerId: 'during-hang' }),
        () => api.http().get(`/payments/${id}`),
      ]) {
        const started = Date.now();
        // Without timeouts this waits for ever: give up well past the bound, and fail.
        const res = await call().timeout(BOUND_MS * 3);
        expect(Date.now() - started).toBeLessThan(BOUND_MS);
        expect(res.status).toBe(503);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(JSON.stringify(res.body)).not.toMatch(/PROTOCOL|mysql|SELECT|INSERT/i);
      }

      proxy.restore();
      await eventually(
        async () => ((await api.http().get(`/payments/${id}`)).status === 200 ? true : undefined),
        { what: 'the API to recover' },
      );
      await api
        .http()
        .post('/payments')
        .send({ ...VALID_PAYMENT, customerId: 'after-hang' })
        .expect(202);
      const rows = await api.dataSource.query<{ customer_id: string }[]>(
        "SELECT customer_id FROM payments WHERE customer_id IN ('during-hang', 'after-hang')",
      );
      expect(rows.map((r) => r.customer_id)).toEqual(['after-hang']);
    } finally {
      proxy.restore();
      await api.close();
      await proxy.close();
      await db.drop();
      sqs.destroy();
    }
  }, 120_000);

  it('should set each session lock wait to DATABASE_LOCK_WAIT_TIMEOUT_MS', async () => {
    const sqs = createSqsClient({ region: 'us-east-1', endpoint: process.env.TEST_SQS_ENDPOINT });
    const api = await startCustomerApi(kind, sqs, process.env.TEST_SQS_ENDPOINT as string, {
      DATABASE_LOCK_WAIT_TIMEOUT_MS: '3500',
    });
    try {
      const [row] = await api.dataSource.query<{ seconds: number | string }[]>(
        'SELECT @@SESSION.innodb_lock_wait_timeout AS seconds',
      );
      expect(Number(row.seconds)).toBe(4);
    } finally {
      await api.close();
      sqs.destroy();
    }
  });
});

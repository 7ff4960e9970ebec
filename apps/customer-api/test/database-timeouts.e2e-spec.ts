import { createSqsClient } from '@app/messaging/sqs-client';
import { databaseKinds } from '../../../tools/testing/databases';
import { Harness, startCustomerApi, VALID_PAYMENT } from './customer-api.harness';
import { runDatabaseFaultDrill } from './database-fault';

const QUERY_TIMEOUT_MS = 1_500;
const CONNECT_TIMEOUT_MS = 1_000;
/** The bound a request must answer within, with room for a loaded machine. */
const BOUND_MS = QUERY_TIMEOUT_MS + CONNECT_TIMEOUT_MS + 4_000;

const mysqlOnly = databaseKinds().includes('mysql') ? ['mysql' as const] : [];

describe.each(mysqlOnly)('customer-api when its database stops answering (%s)', (kind) => {
  it(
    'should answer 503 problem+json within the query timeout, not hang, and recover',
    () =>
      // Connections stay open, nothing comes back: pooled ones and new ones alike.
      runDatabaseFaultDrill(kind, {
        label: 'hang',
        fault: (proxy) => proxy.hang(),
        env: {
          DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
          DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
        },
        boundMs: BOUND_MS,
        hidden: /PROTOCOL|mysql|SELECT|INSERT/i,
      }),
    120_000,
  );

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

  describe("an accept behind another transaction's lock", () => {
    let api: Harness;
    const sqs = createSqsClient({ region: 'us-east-1', endpoint: process.env.TEST_SQS_ENDPOINT });

    beforeAll(async () => {
      api = await startCustomerApi(kind, sqs, process.env.TEST_SQS_ENDPOINT as string, {
        DATABASE_LOCK_WAIT_TIMEOUT_MS: '1000',
      });
    });

    afterAll(async () => {
      await api?.close();
      sqs.destroy();
    });

    /** Holds the gap after the newest outbox row (where every new row goes) for `ms`. */
    async function holdOutboxGap(ms: number): Promise<void> {
      const holder = api.dataSource.createQueryRunner();
      await holder.connect();
      await holder.startTransaction('REPEATABLE READ');
      await holder.query("SELECT id FROM outbox WHERE id > 'ffffffff' FOR UPDATE");
      setTimeout(() => {
        void holder.rollbackTransaction().finally(() => holder.release());
      }, ms);
    }

    async function payments(): Promise<number> {
      const [row] = await api.dataSource.query<{ n: number | string }[]>(
        'SELECT COUNT(*) AS n FROM payments',
      );
      return Number(row.n);
    }

    it.each([
      ['without', {}],
      ['with', { 'Idempotency-Key': 'lock-wait-1' }],
    ])(
      'should answer 202 %s an Idempotency-Key when the first commit waited past the lock wait timeout',
      async (_name, headers: Record<string, string>) => {
        const before = await payments();
        await holdOutboxGap(1_500); // past the first try's 1 s wait, within the second's
        const res = await api.http().post('/payments').set(headers).send(VALID_PAYMENT);
        expect(res.status).toBe(202);
        expect(await payments()).toBe(before + 1);
      },
      30_000,
    );

    it('should answer 503 with Retry-After, writing nothing, when the lock outlasts both tries', async () => {
      const before = await payments();
      await holdOutboxGap(4_000);
      const res = await api.http().post('/payments').send(VALID_PAYMENT);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      expect(await payments()).toBe(before);
      await new Promise((resolve) => setTimeout(resolve, 2_500)); // the holder lets go
    }, 30_000);
  });
});

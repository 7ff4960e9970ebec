import { createSqsClient } from '@app/messaging/sqs-client';
import { databaseKinds } from '../../../tools/testing/databases';
import { startCustomerApi } from './customer-api.harness';
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
});

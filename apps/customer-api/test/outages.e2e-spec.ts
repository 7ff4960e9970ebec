import { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '@app/messaging/sqs-client';
import { createTestDatabase, databaseKinds } from '../../../tools/testing/databases';
import { createTestQueues, eventually, receiveAll } from '../../../tools/testing/queues';
import { SqsProcess } from '../../../tools/testing/processes';
import { startCustomerApi, VALID_PAYMENT } from './customer-api.harness';
import { runDatabaseFaultDrill } from './database-fault';

describe.each(databaseKinds())('customer-api when SQS is down (%s)', (kind) => {
  let sqsServer: SqsProcess;
  let sqs: SQSClient;

  beforeAll(async () => {
    sqsServer = await SqsProcess.start();
    sqs = createSqsClient({ region: 'us-east-1', endpoint: sqsServer.endpoint });
  });

  afterAll(async () => {
    sqs?.destroy();
    await sqsServer?.stop();
  });

  it('should keep accepting payments into the outbox and publish them once SQS is back', async () => {
    const queues = await createTestQueues(sqs);
    const api = await startCustomerApi(
      kind,
      sqs,
      sqsServer.endpoint,
      {},
      {
        db: await createTestDatabase(kind, 'sqsdown'),
        queues,
      },
    );
    try {
      await sqsServer.stop();

      const accepted = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          api
            .http()
            .post('/payments')
            .send({ ...VALID_PAYMENT, customerId: `outage-${i}` })
            .expect(202),
        ),
      );
      const ids = accepted.map((res) => (res.body as { requestId: string }).requestId).sort();
      const [{ n }] = await api.dataSource.query<{ n: number }[]>(
        'SELECT COUNT(*) AS n FROM outbox',
      );
      expect(Number(n)).toBe(5);

      // A new stand-in on the same port: the same queue names give the same URLs.
      await sqsServer.start();
      await createTestQueuesAgain(sqs, queues.sales.name, queues.paymentStatus.name);

      const published = await eventually(
        async () => {
          const found = await receiveAll(sqs, queues.sales.url, { waitSeconds: 1 });
          return found.length >= 5 ? found : undefined;
        },
        { timeoutMs: 40_000, what: 'the outbox to be published after the outage' },
      );
      const paymentIds = published
        .map((m) => (JSON.parse(m.Body ?? '{}') as { paymentId: string }).paymentId)
        .sort();
      expect(paymentIds).toEqual(ids);
      await eventually(
        async () => {
          const [row] = await api.dataSource.query<{ n: number }[]>(
            'SELECT COUNT(*) AS n FROM outbox',
          );
          return Number(row.n) === 0 ? true : undefined;
        },
        { what: 'an empty outbox' },
      );
    } finally {
      await api.close();
      await api.db.drop();
    }
  });
});

async function createTestQueuesAgain(sqs: SQSClient, ...names: string[]): Promise<void> {
  const { ensureQueues } = await import('@app/messaging/queue-setup');
  await ensureQueues(sqs, names, {
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 30,
    retentionSeconds: 3600,
  });
}

const mysqlOnly = databaseKinds().includes('mysql') ? ['mysql' as const] : [];

describe.each(mysqlOnly)('customer-api when its database is down (%s)', (kind) => {
  it('should answer 503 problem+json with Retry-After fast, write nothing half, and recover by itself', () =>
    runDatabaseFaultDrill(kind, {
      label: 'outage',
      fault: (proxy) => proxy.cut(),
      env: { DATABASE_CONNECT_TIMEOUT_MS: '1000' },
      boundMs: 2_000,
      hidden: /ECONNREFUSED|mysql|SELECT|INSERT/i,
    }));
});

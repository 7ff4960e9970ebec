import { SQSClient } from '@aws-sdk/client-sqs';
import { createConnection } from 'mysql2/promise';
import { createTestDatabase, databaseKinds } from '../../../tools/testing/databases';
import { createTestQueues, eventually, testSqsClient } from '../../../tools/testing/queues';
import { TcpProxy } from '../../../tools/testing/tcp-proxy';
import { IdempotencyKey } from '../src/payments/idempotency-key.entity';
import { startCustomerApi, VALID_PAYMENT } from './customer-api.harness';

const HOUR_MS = 3_600_000;

describe.each(databaseKinds())('customer-api Idempotency-Key lifecycle (%s)', (kind) => {
  let sqs: SQSClient;

  beforeAll(() => {
    sqs = testSqsClient();
  });

  afterAll(() => sqs.destroy());

  it('should delete expired keys in batches and keep fresh ones', async () => {
    const api = await startCustomerApi(kind, sqs, process.env.TEST_SQS_ENDPOINT as string, {
      IDEMPOTENCY_SWEEP_INTERVAL_MS: '300',
    });
    try {
      const keys = api.dataSource.getRepository(IdempotencyKey);
      // Keys answered a day ago and more: past the 24 h retention. More than one delete batch.
      const old = new Date(Date.now() - 25 * HOUR_MS);
      const expired = Array.from({ length: 1_200 }, (_, i) => ({
        clientId: 'anonymous',
        key: `old-${i}`,
        fingerprint: 'f'.repeat(64),
        state: 'COMPLETED' as const,
        paymentId: null,
        lockedUntil: old,
        expiresAt: new Date(old.getTime() + 24 * HOUR_MS),
      }));
      for (let i = 0; i < expired.length; i += 200) {
        await keys.insert(expired.slice(i, i + 200));
      }
      for (const key of ['fresh-1', 'fresh-2']) {
        await api
          .http()
          .post('/payments')
          .set('Idempotency-Key', key)
          .send({ ...VALID_PAYMENT, customerId: key })
          .expect(202);
      }

      await eventually(async () => ((await keys.count()) === 2 ? true : undefined), {
        timeoutMs: 20_000,
        what: 'the expired keys to be deleted',
      });
      const left = await keys.find({ order: { key: 'ASC' } });
      expect(left.map((k) => [k.key, k.state])).toEqual([
        ['fresh-1', 'COMPLETED'],
        ['fresh-2', 'COMPLETED'],
      ]);
      // And a fresh key still replays.
      const replay = await api
        .http()
        .post('/payments')
        .set('Idempotency-Key', 'fresh-1')
        .send({ ...VALID_PAYMENT, customerId: 'fresh-1' })
        .expect(202);
      expect(replay.headers['idempotent-replayed']).toBe('true');
    } finally {
      await api.close();
    }
  });

  // LOCK TABLES holds the request between its key claim and its commit: MySQL only.
  if (kind !== 'mysql') {
    return;
  }

  it('should let a resend take over within seconds a key whose request died mid-flight', async () => {
    const db = await createTestDatabase(kind, 'takeover');
    const queues = await createTestQueues(sqs);
    const endpoint = process.env.TEST_SQS_ENDPOINT as string;
    const server = new URL(db.url as string);
    const proxy = await TcpProxy.start(server.hostname, Number(server.port || 3306));
    const viaProxy = new URL(db.url as string);
    viaProxy.port = String(proxy.port);
    const survivor = await startCustomerApi(kind, sqs, endpoint, {}, { db, queues });
    // The replica that dies: its database connections all go through the proxy.
    const victim = await startCustomerApi(
      kind,
      sqs,
      endpoint,
      { DATABASE_URL: viaProxy.toString() },
      { db, queues },
    );
    const admin = await createConnection({ uri: db.url });
    try {
      await admin.query('LOCK TABLES payments WRITE');
      const dying = victim
        .http()
        .post('/payments')
        .set('Idempotency-Key', 'order-1')
        .send(VALID_PAYMENT)
        .then((res) => res.status)
        .catch(() => 'no answer');
      const keys = survivor.dataSource.getRepository(IdempotencyKey);
      await eventually(async () => ((await keys.countBy({ key: 'order-1' })) ? true : undefined), {
        what: 'the victim to claim the key',
      });
      const claimedAt = Date.now();
      // As a SIGKILL would: every connection of the victim gone, its transaction rolled back.
      proxy.cut();
      await admin.query('UNLOCK TABLES');
      await dying;

      const first = await survivor
        .http()
        .post('/payments')
        .set('Idempotency-Key', 'order-1')
        .send(VALID_PAYMENT);
      expect(first.status).toBe(409);
      const taken = await eventually(
        async () => {
          const res = await survivor
            .http()
            .post('/payments')
            .set('Idempotency-Key', 'order-1')
            .send(VALID_PAYMENT);
          return res.status === 202 ? res : undefined;
        },
        { timeoutMs: 12_000, intervalMs: 250, what: 'the key to be taken over' },
      );
      expect(Date.now() - claimedAt).toBeLessThan(12_000);
      expect(taken.headers['idempotent-replayed']).toBeUndefined();
      const [{ n }] = await survivor.dataSource.query<{ n: number }[]>(
        'SELECT COUNT(*) AS n FROM payments',
      );
      expect(Number(n)).toBe(1);
    } finally {
      await admin.query('UNLOCK TABLES').catch(() => undefined);
      await admin.end();
      proxy.restore();
      await victim.close();
      await survivor.close();
      await proxy.close();
      await db.drop();
    }
  });
});

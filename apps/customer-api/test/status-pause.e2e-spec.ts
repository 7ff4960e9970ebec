import { encodeMessage, SalesRecordedV1 } from '@app/contracts';
import { publishBatch } from '@app/messaging/message-publisher';
import { createSqsClient } from '@app/messaging/sqs-client';
import { createTestDatabase, databaseKinds } from '../../../tools/testing/databases';
import { createTestQueues, eventually, queueDepth } from '../../../tools/testing/queues';
import { TcpProxy } from '../../../tools/testing/tcp-proxy';
import { Harness, startCustomerApi, VALID_PAYMENT } from './customer-api.harness';

const mysqlOnly = databaseKinds().includes('mysql') ? ['mysql' as const] : [];

/** customer-api's consumer_paused gauge, summed over its labels. */
async function pausedGauge(api: Harness): Promise<number> {
  const res = await api.http().get('/metrics');
  return String(res.text)
    .split('\n')
    .filter((line) => line.startsWith('consumer_paused{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe.each(mysqlOnly)(
  'the payment-status consumer when the customer DB is down (%s)',
  (kind) => {
    it('should pause, keep the status update in hand without spending deliveries, and apply it once the DB is back', async () => {
      const db = await createTestDatabase(kind, 'statuspause');
      const target = new URL(db.url as string);
      const proxy = await TcpProxy.start(target.hostname, Number(target.port || 3306));
      const viaProxy = new URL(db.url as string);
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      const sqs = createSqsClient({ region: 'us-east-1', endpoint: process.env.TEST_SQS_ENDPOINT });
      const queues = await createTestQueues(sqs, {
        maxReceiveCount: 3,
        visibilityTimeoutSeconds: 6,
        retentionSeconds: 3600,
      });
      const api = await startCustomerApi(
        kind,
        sqs,
        process.env.TEST_SQS_ENDPOINT as string,
        {
          DATABASE_URL: viaProxy.toString(),
          DATABASE_CONNECT_TIMEOUT_MS: '500',
          MAX_RECEIVE_COUNT: '3',
          MAX_ATTEMPTS: '2',
          SQS_VISIBILITY_TIMEOUT_SECONDS: '6',
        },
        { db, queues },
      );
      try {
        const accepted = await api.http().post('/payments').send(VALID_PAYMENT).expect(202);
        const requestId = (accepted.body as { requestId: string }).requestId;

        proxy.cut();
        const report = Object.assign(new SalesRecordedV1(), {
          paymentId: requestId,
          recordedAt: new Date().toISOString(),
        });
        const { failedIds } = await publishBatch(sqs, queues.paymentStatus.url, [
          { id: '0', message: encodeMessage(report, 'corr-status-pause') },
        ]);
        expect(failedIds.size).toBe(0);
        await eventually(async () => ((await pausedGauge(api)) === 1 ? true : undefined), {
          what: 'consumer_paused to be 1',
          timeoutMs: 20_000,
        });
        // Twice the visibility timeout: still in hand (the heartbeat), never handed back.
        await new Promise((resolve) => setTimeout(resolve, 12_000));
        await expect(queueDepth(sqs, queues.paymentStatus.url)).resolves.toMatchObject({
          visible: 0,
          inFlight: 1,
        });
        proxy.restore();

        await eventually(
          async () => {
            const res = await api.http().get(`/payments/${requestId}`);
            return (res.body as { status?: string }).status === 'COMPLETED' ? true : undefined;
          },
          { what: 'the payment COMPLETED', timeoutMs: 40_000 },
        );
        expect(await pausedGauge(api)).toBe(0);
        const dead = await queueDepth(sqs, queues.paymentStatus.dlqUrl);
        expect(dead.visible + dead.inFlight).toBe(0);
      } finally {
        proxy.restore();
        await api.close();
        await proxy.close();
        await db.drop();
        sqs.destroy();
      }
    });
  },
);

import { DeleteMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createTestDatabase, databaseKinds } from '../../../tools/testing/databases';
import {
  createTestQueues,
  eventually,
  receiveAll,
  testSqsClient,
} from '../../../tools/testing/queues';
import { startCustomerApi, VALID_PAYMENT } from './customer-api.harness';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(databaseKinds())('customer-api re-asks about PENDING payments (%s)', (kind) => {
  let sqs: SQSClient;

  beforeAll(() => {
    sqs = testSqsClient();
  });

  afterAll(() => sqs.destroy());

  it('should publish payment.recorded again for a payment PENDING too long, once per interval across replicas', async () => {
    const db = await createTestDatabase(kind, 'reask');
    const queues = await createTestQueues(sqs);
    const settings = {
      PENDING_REASK_AFTER_SECONDS: '2',
      PENDING_REASK_INTERVAL_SECONDS: '600',
      PENDING_REASK_SCAN_MS: '200',
    };
    const endpoint = process.env.TEST_SQS_ENDPOINT as string;
    // Two replicas on one database: they must not both re-ask.
    const first = await startCustomerApi(kind, sqs, endpoint, settings, { db, queues });
    const second = await startCustomerApi(kind, sqs, endpoint, settings, { db, queues });
    try {
      const accepted = await first.http().post('/payments').send(VALID_PAYMENT).expect(202);
      const paymentId = (accepted.body as { requestId: string }).requestId;

      // The message is taken off the queue and never answered: lost on the way.
      const original = await eventually(
        async () => {
          const found = await receiveAll(sqs, queues.sales.url);
          return found.length > 0 ? found : undefined;
        },
        { what: 'the first payment.recorded' },
      );
      for (const message of original) {
        await sqs.send(
          new DeleteMessageCommand({
            QueueUrl: queues.sales.url,
            ReceiptHandle: message.ReceiptHandle,
          }),
        );
      }

      const asked = await eventually(
        async () => {
          const found = await receiveAll(sqs, queues.sales.url);
          return found.length > 0 ? found : undefined;
        },
        { timeoutMs: 20_000, what: 'payment.recorded published again' },
      );
      // Several scans of both replicas later, still one re-ask in all.
      await sleep(2_000);
      asked.push(...(await receiveAll(sqs, queues.sales.url)));

      expect(original).toHaveLength(1);
      expect(asked).toHaveLength(1);
      const body = JSON.parse(asked[0].Body ?? '{}') as Record<string, unknown>;
      expect(body).toEqual(JSON.parse(original[0].Body ?? '{}'));
      expect(body.paymentId).toBe(paymentId);

      const metrics = (await first.http().get('/metrics').expect(200)).text;
      const age = Number(/^payments_oldest_pending_age_seconds (\S+)$/m.exec(metrics)?.[1]);
      expect(age).toBeGreaterThanOrEqual(2);
    } finally {
      await second.close();
      await first.close();
      await db.drop();
    }
  });
});

import { SQSClient } from '@aws-sdk/client-sqs';
import { EncodedMessage, SALES_FAILED, SALES_RECORDED } from '@app/contracts';
import { FAILURE_ATTRIBUTES } from '@app/messaging/batch-processor';
import { createTestDatabase, databaseKinds, TestDatabase } from '../../../tools/testing/databases';
import {
  createTestQueues,
  eventually,
  queueDepth,
  testSqsClient,
  TestQueues,
} from '../../../tools/testing/queues';
import { Sale } from '../src/sales/sale.entity';
import {
  encoded,
  paymentRecorded,
  QueueInbox,
  send,
  startSalesWorker,
  Worker,
} from './sales-worker.harness';

describe.each(databaseKinds())('sales-worker and messages that can never succeed (%s)', (kind) => {
  let sqs: SQSClient;
  let db: TestDatabase;
  let queues: TestQueues;
  let worker: Worker;

  beforeAll(async () => {
    sqs = testSqsClient();
    db = await createTestDatabase(kind, 'bad_messages');
    queues = await createTestQueues(sqs, {
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 30,
      retentionSeconds: 3600,
    });
    worker = await startSalesWorker(db, queues);
  });

  afterAll(async () => {
    await worker?.close();
    await db?.drop();
    sqs?.destroy();
  });

  it('should dead-letter them at once while the valid messages of their batch are recorded', async () => {
    const valid = [1, 2, 3].map((i) => paymentRecorded({ period: '2033-01', amount: i * 100 }));
    const invalid = paymentRecorded({ amount: 12.5 });
    const future = { ...paymentRecorded(), version: 2 };
    const bad: Record<string, EncodedMessage> = {
      MALFORMED_JSON: { body: '{"type":"payment.recorded",', attributes: {} },
      INVALID_MESSAGE: encoded(invalid, 'req-invalid'),
      UNSUPPORTED_VERSION: { body: JSON.stringify(future), attributes: {} },
      UNKNOWN_TYPE: {
        body: JSON.stringify({ type: 'payment.refunded', version: 1 }),
        attributes: {},
      },
    };
    // One SendMessageBatch: the worker receives all seven in one batch.
    await send(sqs, queues.sales.url, [
      encoded(valid[0]),
      bad.MALFORMED_JSON,
      encoded(valid[1]),
      bad.INVALID_MESSAGE,
      bad.UNSUPPORTED_VERSION,
      encoded(valid[2]),
      bad.UNKNOWN_TYPE,
    ]);

    const status = new QueueInbox(sqs, queues.paymentStatus.url);
    const deadLetters = new QueueInbox(sqs, queues.sales.dlqUrl);
    await eventually(
      async () => {
        await status.poll();
        await deadLetters.poll();
        return status.messages.length >= 5 && deadLetters.messages.length >= 4 ? true : undefined;
      },
      { what: '3 sales.recorded, 2 sales.failed and 4 dead letters' },
    );

    for (const payment of valid) {
      expect(status.about(payment.paymentId, SALES_RECORDED)).toHaveLength(1);
    }
    // Reported wherever the paymentId could still be read.
    expect(status.about(invalid.paymentId, SALES_FAILED).map((m) => m.body)).toEqual([
      expect.objectContaining({ code: 'INVALID_MESSAGE', attempts: 1 }),
    ]);
    expect(status.about(invalid.paymentId)[0].attributes.correlationId).toBe('req-invalid');
    expect(status.about(future.paymentId, SALES_FAILED).map((m) => m.body)).toEqual([
      expect.objectContaining({ code: 'UNSUPPORTED_VERSION', attempts: 1 }),
    ]);
    expect(status.messages).toHaveLength(5);

    // The DLQ copies keep the body and say why, after a single delivery.
    const byCode = Object.fromEntries(
      deadLetters.messages.map((m) => [m.attributes[FAILURE_ATTRIBUTES.code], m]),
    );
    expect(Object.keys(byCode).sort()).toEqual(Object.keys(bad).sort());
    for (const [code, message] of Object.entries(bad)) {
      expect(byCode[code].raw).toBe(message.body);
      expect(byCode[code].attributes[FAILURE_ATTRIBUTES.attempts]).toBe('1');
    }

    // Seven messages, each received once, all in the same batch.
    expect(worker.receives).toHaveLength(7);
    expect(worker.receives.every((r) => r.receiveCount === 1)).toBe(true);
    expect(new Set(worker.receives.map((r) => r.batch)).size).toBe(1);

    await expect(
      worker.dataSource.getRepository(Sale).countBy({ period: '2033-01' }),
    ).resolves.toBe(3);
    await expect(worker.dataSource.getRepository(Sale).count()).resolves.toBe(3);
    await eventually(
      async () => {
        const depth = await queueDepth(sqs, queues.sales.url);
        return depth.visible + depth.inFlight === 0 ? true : undefined;
      },
      { what: 'an empty sales queue' },
    );
  });
});

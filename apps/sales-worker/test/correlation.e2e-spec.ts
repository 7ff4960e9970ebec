import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { encodeMessage, PaymentRecordedV1, SalesRecordedV1 } from '@app/contracts';
import { createTestDatabase } from '../../../tools/testing/databases';
import {
  createTestQueues,
  eventually,
  receiveAll,
  testSqsClient,
} from '../../../tools/testing/queues';
import { startCustomerApi, VALID_PAYMENT } from '../../customer-api/test/customer-api.harness';
import { startSalesWorker } from './sales-worker.harness';

/** JSON log lines kept in memory, as a log shipper would read them from stdout. */
function logSink(): { lines: Record<string, unknown>[]; write(line: string): void } {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
}

/**
 * One payment's correlationId hop by hop: the HTTP request's id and log line, the outbox
 * message's attributes, the worker's report, the status message back. Each app runs alone here,
 * as in production: Nest's Logger is process-wide.
 */
describe('correlationId through the logs of both services', () => {
  let sqs: SQSClient;

  beforeAll(() => {
    sqs = testSqsClient();
  });

  afterAll(() => sqs.destroy());

  it('should carry it in customer-api from the request to COMPLETED and onto the sales message', async () => {
    const logs = logSink();
    const api = await startCustomerApi(
      'sqlite',
      sqs,
      process.env.TEST_SQS_ENDPOINT as string,
      { LOG_LEVEL: 'info' },
      undefined,
      logs,
    );
    try {
      const correlationId = `corr-api-${Date.now()}`;
      const created = await api
        .http()
        .post('/payments')
        .set('X-Request-Id', correlationId)
        .send(VALID_PAYMENT)
        .expect(202);
      expect(created.headers['x-request-id']).toBe(correlationId);
      const paymentId = (created.body as { requestId: string }).requestId;

      const [published] = await eventually(
        async () => {
          const found = await receiveAll(sqs, api.queues.sales.url, { waitSeconds: 1 });
          return found.length > 0 ? found : undefined;
        },
        { what: 'payment.recorded' },
      );
      expect(published.MessageAttributes?.correlationId?.StringValue).toBe(correlationId);

      // What sales-worker sends back carries the same attribute.
      const status = encodeMessage(
        Object.assign(new SalesRecordedV1(), { paymentId, recordedAt: new Date().toISOString() }),
        correlationId,
      );
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: api.queues.paymentStatus.url,
          MessageBody: status.body,
          MessageAttributes: status.attributes,
        }),
      );
      await eventually(
        async () =>
          (await api.http().get(`/payments/${paymentId}`)).body.status === 'COMPLETED'
            ? true
            : undefined,
        { what: 'COMPLETED' },
      );

      // The request's own log line; the lines services write through Nest's process-wide
      // Logger are checked on the built apps as processes, by tools/check-bundle.sh.
      const lines = logs.lines.filter((l) => l.correlationId === correlationId);
      expect(lines.map((l) => l.msg)).toContain('request completed');
    } finally {
      await api.close();
    }
  });

  it('should carry it in sales-worker from the message received to the report sent', async () => {
    const queues = await createTestQueues(sqs);
    const db = await createTestDatabase('sqlite', 'correlation');
    const worker = await startSalesWorker(db, queues);
    try {
      const correlationId = `corr-worker-${Date.now()}`;
      const paymentId = '01a2189a-22ad-7408-a371-7e9ffa89aaaa';
      const message = encodeMessage(
        Object.assign(new PaymentRecordedV1(), {
          paymentId,
          ...VALID_PAYMENT,
          period: '2026-11',
          paidAt: '2026-11-26T10:00:00.000Z',
          recordedAt: '2026-11-26T10:00:00.100Z',
        }),
        correlationId,
      );
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queues.sales.url,
          MessageBody: message.body,
          MessageAttributes: message.attributes,
        }),
      );

      const [report] = await eventually(
        async () => {
          const found = await receiveAll(sqs, queues.paymentStatus.url, { waitSeconds: 1 });
          return found.length > 0 ? found : undefined;
        },
        { what: 'sales.recorded' },
      );
      expect(report.MessageAttributes?.correlationId?.StringValue).toBe(correlationId);
    } finally {
      await worker.close();
      await db.drop();
    }
  });
});

import { SQSClient } from '@aws-sdk/client-sqs';
import {
  PAYMENT_STATUS_QUEUE,
  SALES_FAILED,
  SALES_RECORDED,
  SalesFailedV1,
  SalesRecordedV1,
} from '@app/contracts';
import { DependencyUnavailableError } from '@app/messaging/failure-kind';
import { QueueDirectory } from '@app/messaging/queue-directory';
import { createSqsClient } from '@app/messaging/sqs-client';
import { createTestQueues, receiveAll, testSqsClient } from '../../../../tools/testing/queues';
import { REPORT_QUEUE_DEPENDENCY, StatusReport, StatusReporter } from './status.reporter';

function recorded(paymentId: string): StatusReport {
  const message = Object.assign(new SalesRecordedV1(), {
    paymentId,
    recordedAt: '2026-11-02T10:00:00.000Z',
  });
  return { message, correlationId: `corr-${paymentId}` };
}

function failed(paymentId: string): StatusReport {
  const message = Object.assign(new SalesFailedV1(), {
    paymentId,
    code: 'INVALID_AMOUNT',
    message: 'the amount is not positive',
    attempts: 1,
  });
  return { message };
}

describe(StatusReporter.name, () => {
  let sqs: SQSClient;

  beforeAll(() => {
    sqs = testSqsClient();
  });

  afterAll(() => sqs.destroy());

  async function reporterOn(client: SQSClient, url: string): Promise<StatusReporter> {
    return new StatusReporter(
      client,
      await QueueDirectory.resolve(client, { [PAYMENT_STATUS_QUEUE]: url }),
    );
  }

  it('should put every report of a batch on the status queue, each with its correlationId', async () => {
    const { paymentStatus } = await createTestQueues(sqs);
    const reporter = await reporterOn(sqs, paymentStatus.url);
    const ids = Array.from({ length: 12 }, (_, i) => `p-${i}`);

    const results = await reporter.sendAll([...ids.map(recorded), failed('p-bad')]);

    expect(results.map((r) => r.status)).toEqual(Array(13).fill('fulfilled'));
    const messages = await receiveAll(sqs, paymentStatus.url);
    const bodies = messages.map(
      (m) => JSON.parse(m.Body ?? '{}') as { type: string; paymentId: string },
    );
    expect(bodies.map((b) => b.paymentId).sort()).toEqual([...ids, 'p-bad'].sort());
    expect(bodies.find((b) => b.paymentId === 'p-bad')?.type).toBe(SALES_FAILED);
    const p3 = messages.find((m) => m.Body?.includes('"p-3"'));
    expect(JSON.parse(p3?.Body ?? '{}')).toMatchObject({ type: SALES_RECORDED });
    expect(p3?.MessageAttributes?.correlationId?.StringValue).toBe('corr-p-3');
  });

  it('should fail each report as the payment-status queue being unavailable when SQS cannot be reached', async () => {
    const unreachable = createSqsClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      connectTimeoutMs: 200,
      requestTimeoutMs: 500,
    });
    const reporter = await reporterOn(
      unreachable,
      'http://127.0.0.1:9/000000000000/payment-status',
    );

    const results = await reporter.sendAll([recorded('a'), recorded('b')]);

    expect(results).toHaveLength(2);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason as DependencyUnavailableError;
      expect(reason).toBeInstanceOf(DependencyUnavailableError);
      expect(reason.dependency).toBe(REPORT_QUEUE_DEPENDENCY);
    }
    await expect(reporter.send(recorded('c'))).rejects.toBeInstanceOf(DependencyUnavailableError);
    unreachable.destroy();
  });
});

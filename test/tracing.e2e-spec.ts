/**
 * One payment, one trace: both apps run as processes from the build with the real OTLP exporter
 * (customer-api over http/protobuf, sales-worker over http/json) sending to a receiver in this
 * test, which decodes what arrives. Checks the hops from the POST to the status update, their
 * parents, the client's traceparent, the log lines' trace ids, and that a redelivered or
 * redriven message links to its original trace instead of continuing it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { encodeMessage, PaymentRecordedV1 } from '@app/contracts';
import { redriveDeadLetters } from '@app/messaging/dead-letters';
import { build } from '../tools/build';
import { AppProcess, ROOT } from '../tools/testing/processes';
import { createTestDatabase, databaseKinds, TestDatabase } from '../tools/testing/databases';
import { freePort } from '../tools/testing/ports';
import { createTestQueues, TestQueues, testSqsClient } from '../tools/testing/queues';
import { KIND, OtlpReceiver, ReceivedSpan } from './otlp-receiver';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function paymentRecorded(paymentId: string): PaymentRecordedV1 {
  return Object.assign(new PaymentRecordedV1(), {
    paymentId,
    customerId: 'trace-c',
    policyId: 'trace-p',
    amount: 1234,
    currency: 'EUR',
    period: '2026-12',
    paidAt: '2026-12-01T10:00:00.000Z',
    recordedAt: '2026-12-01T10:00:00.000Z',
  });
}

/** A payment.recorded sent as another trace's message: traceparent `00-<trace>-<span>-01`. */
function messageOf(paymentId: string, correlationId: string, trace: string, span: string) {
  const encoded = encodeMessage(paymentRecorded(paymentId), correlationId);
  return {
    MessageBody: encoded.body,
    MessageAttributes: {
      ...encoded.attributes,
      traceparent: { DataType: 'String', StringValue: `00-${trace}-${span}-01` },
    },
  };
}

function one(spans: ReceivedSpan[], where: (s: ReceivedSpan) => boolean): ReceivedSpan | undefined {
  const found = spans.filter(where);
  return found.length === 1 ? found[0] : undefined;
}

describe('Tracing across customer-api, the outbox, both queues and sales-worker', () => {
  const receiver = new OtlpReceiver();
  const logs = mkdtempSync(join(tmpdir(), 'tracing-e2e-'));
  let sqs: SQSClient;
  let queues: TestQueues;
  let databases: TestDatabase[] = [];
  let api: AppProcess;
  let worker: AppProcess;
  /** Received once by this test before the worker starts: the worker's is a redelivery. */
  const redelivered = { trace: hex(16), span: hex(8), messageId: '' };

  beforeAll(async () => {
    await build(['customer-api', 'sales-worker']);
    const endpoint = await receiver.start();
    sqs = testSqsClient();
    queues = await createTestQueues(sqs);
    const kind = databaseKinds().includes('mysql') ? 'mysql' : 'sqlite';
    databases = [
      await createTestDatabase(kind, 'trace_customer'),
      await createTestDatabase(kind, 'trace_sales'),
    ];
    const common = (db: TestDatabase, protocol: string) => ({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      AWS_REGION: 'us-east-1',
      SQS_ENDPOINT: process.env.TEST_SQS_ENDPOINT ?? '',
      SQS_WAIT_TIME_SECONDS: '1',
      SALES_QUEUE: queues.sales.name,
      PAYMENT_STATUS_QUEUE: queues.paymentStatus.name,
      ...(db.url ? { DATABASE_URL: db.url } : { SQLITE_PATH: db.sqlitePath }),
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      // Were metrics pushed over OTLP, the receiver would see /v1/metrics within the test.
      OTEL_METRIC_EXPORT_INTERVAL: '500',
    });

    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.sales.url,
        ...messageOf(randomUUID(), 'trace-redelivered', redelivered.trace, redelivered.span),
      }),
    );
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues.sales.url, VisibilityTimeout: 0 }),
    );
    expect(Messages).toHaveLength(1);
    redelivered.messageId = Messages[0].MessageId ?? '';

    const dist = join(ROOT, 'dist', 'apps');
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    // The built apps resolve their packages from the repository's node_modules.
    const built = { NODE_PATH: join(ROOT, 'node_modules') };
    api = new AppProcess({
      name: 'customer-api',
      script: join(dist, 'customer-api', 'main.js'),
      port: apiPort,
      env: {
        ...built,
        ...common(databases[0], 'http/protobuf'),
        PORT: String(apiPort),
        ALLOW_ANONYMOUS_API: 'true',
      },
      logFile: join(logs, 'customer-api.log'),
    });
    worker = new AppProcess({
      name: 'sales-worker',
      script: join(dist, 'sales-worker', 'main.js'),
      port: workerPort,
      env: { ...built, ...common(databases[1], 'http/json'), PORT: String(workerPort) },
      logFile: join(logs, 'sales-worker.log'),
    });
    await Promise.all([api.start(), worker.start()]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await receiver.stop();
    await Promise.all(databases.map((db) => db.drop()));
  });

  async function pay(headers: Record<string, string>): Promise<string> {
    const res = await fetch(`${api.url}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({
        customerId: 'trace-c',
        policyId: 'trace-p',
        amount: 4200,
        currency: 'EUR',
      }),
    });
    expect(res.status).toBe(202);
    const { requestId } = (await res.json()) as { requestId: string };
    for (let i = 0; i < 100; i += 1) {
      const view = (await (await fetch(`${api.url}/payments/${requestId}`)).json()) as {
        status: string;
      };
      if (view.status === 'COMPLETED') {
        return requestId;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`payment ${requestId} never COMPLETED`);
  }

  it('should continue a client traceparent from the POST to the status update, across both processes', async () => {
    const clientTrace = hex(16);
    const clientSpan = hex(8);
    const correlationId = `trace-${hex(4)}`;
    const paymentId = await pay({
      traceparent: `00-${clientTrace}-${clientSpan}-01`,
      'x-request-id': correlationId,
    });
    const statusQueue = queues.paymentStatus.name;
    const salesQueue = queues.sales.name;
    const statusSpan = await receiver.waitFor((spans) =>
      one(spans, (s) => s.traceId === clientTrace && s.name === `process ${statusQueue}`),
    );
    const trace = receiver.spans.filter((s) => s.traceId === clientTrace);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => byId.get(s.parentSpanId);

    const server = one(
      trace,
      (s) => s.kind === KIND.server && s.attributes['http.request.method'] === 'POST',
    );
    expect(server?.name).toBe('POST /payments');
    expect(server?.attributes['http.route']).toBe('/payments');
    expect(server).toMatchObject({
      service: 'customer-api',
      parentSpanId: clientSpan,
      protocol: 'protobuf',
    });
    const sendSales = one(trace, (s) => s.name === `send ${salesQueue}`);
    expect(sendSales).toMatchObject({ service: 'customer-api', kind: KIND.producer });
    expect(parentOf(sendSales!)).toBe(server);
    const processSales = one(trace, (s) => s.name === `process ${salesQueue}`);
    expect(processSales).toMatchObject({
      service: 'sales-worker',
      kind: KIND.consumer,
      protocol: 'json',
    });
    expect(parentOf(processSales!)).toBe(sendSales);
    const sendStatus = one(trace, (s) => s.name === `send ${statusQueue}`);
    expect(sendStatus).toMatchObject({ service: 'sales-worker', kind: KIND.producer });
    expect(parentOf(sendStatus!)).toBe(processSales);
    expect(statusSpan).toMatchObject({ service: 'customer-api', kind: KIND.consumer });
    expect(parentOf(statusSpan)).toBe(sendStatus);

    // Messaging semantic conventions on both ends of both queues.
    for (const span of [sendSales!, processSales!, sendStatus!, statusSpan]) {
      expect(span.attributes).toMatchObject({
        'messaging.system': 'aws_sqs',
        'messaging.destination.name': span.name.split(' ')[1],
        'messaging.operation.type': span.name.split(' ')[0],
        'messaging.message.conversation_id': correlationId,
      });
      expect(span.attributes['messaging.message.id']).toMatch(/\S/);
    }
    expect(processSales!.attributes['messaging.message.id']).toBe(
      sendSales!.attributes['messaging.message.id'],
    );
    expect(statusSpan.attributes['messaging.message.id']).toBe(
      sendStatus!.attributes['messaging.message.id'],
    );

    // Every span but the server's (whose parent is the client's) has its parent in the trace.
    for (const span of trace) {
      if (span !== server) {
        expect(parentOf(span)).toBeDefined();
      }
    }
    if (databases[0].kind === 'mysql') {
      // mysql2's spans: the payment's insert under the POST, the sale's under the worker's span.
      const under = (s: ReceivedSpan, ancestor: ReceivedSpan): boolean =>
        s === ancestor || (parentOf(s) !== undefined && under(parentOf(s)!, ancestor));
      const db = trace.filter(
        (s) =>
          s.kind === KIND.client &&
          (s.attributes['db.system.name'] !== undefined || s.attributes['db.system'] !== undefined),
      );
      expect(db.some((s) => s.service === 'customer-api' && under(s, server!))).toBe(true);
      expect(db.some((s) => s.service === 'sales-worker' && under(s, processSales!))).toBe(true);
    }

    // Log lines carry the trace beside the correlationId.
    const lines = (app: AppProcess) =>
      readFileSync(app.logFile, 'utf8')
        .split('\n')
        .filter((line) => line.includes(correlationId))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const accepted = lines(api).find((l) => l.msg === 'payment accepted');
    expect(accepted).toMatchObject({ correlationId, trace_id: clientTrace });
    expect(accepted?.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(lines(api).find((l) => l.msg === 'payment status message')).toMatchObject({
      trace_id: clientTrace,
      span_id: statusSpan.spanId,
    });
    expect(lines(worker).find((l) => l.msg === 'sale recorded')).toMatchObject({
      paymentId,
      trace_id: clientTrace,
      span_id: processSales!.spanId,
    });
    expect(receiver.errors).toEqual([]);
  });

  it('should start a trace at the POST when the client sends none', async () => {
    const correlationId = `trace-${hex(4)}`;
    await pay({ 'x-request-id': correlationId });
    const status = await receiver.waitFor((spans) =>
      one(
        spans,
        (s) =>
          s.name === `process ${queues.paymentStatus.name}` &&
          s.attributes['messaging.message.conversation_id'] === correlationId,
      ),
    );
    const root = one(receiver.spans, (s) => s.traceId === status.traceId && s.parentSpanId === '');
    expect(root).toMatchObject({ service: 'customer-api', kind: KIND.server });
  });

  it('should link a redelivered message to its original trace', async () => {
    const span = await receiver.waitFor((spans) =>
      one(
        spans,
        (s) =>
          s.name === `process ${queues.sales.name}` &&
          s.attributes['messaging.message.id'] === redelivered.messageId,
      ),
    );
    expect(span.attributes['aws.sqs.approximate_receive_count']).toBe(2);
    expect(span.parentSpanId).toBe('');
    expect(span.traceId).not.toBe(redelivered.trace);
    expect(span.links).toContainEqual(
      expect.objectContaining({ traceId: redelivered.trace, spanId: redelivered.span }),
    );
  });

  it('should link a message redriven from the DLQ to its original trace', async () => {
    const original = { trace: hex(16), span: hex(8) };
    const correlationId = `trace-redriven-${hex(4)}`;
    const message = messageOf(randomUUID(), correlationId, original.trace, original.span);
    const { MessageId } = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.sales.dlqUrl,
        ...message,
        MessageAttributes: {
          ...message.MessageAttributes,
          failureCode: { DataType: 'String', StringValue: 'RETRIES_EXHAUSTED' },
          failureReason: { DataType: 'String', StringValue: 'deadlock' },
          failureAttempts: { DataType: 'Number', StringValue: '5' },
        },
      }),
    );
    const moved = await redriveDeadLetters(sqs, {
      deadLetterUrl: queues.sales.dlqUrl,
      sourceUrl: queues.sales.url,
      messageIds: new Set([MessageId ?? '']),
      ratePerSecond: 10,
    });
    expect(moved.moved).toBe(1);
    const span = await receiver.waitFor((spans) =>
      one(
        spans,
        (s) =>
          s.name === `process ${queues.sales.name}` &&
          s.attributes['messaging.message.conversation_id'] === correlationId,
      ),
    );
    expect(span.parentSpanId).toBe('');
    expect(span.traceId).not.toBe(original.trace);
    expect(span.attributes['aws.sqs.redriven']).toBe(true);
    expect(span.links).toContainEqual(
      expect.objectContaining({ traceId: original.trace, spanId: original.span }),
    );
  });
});

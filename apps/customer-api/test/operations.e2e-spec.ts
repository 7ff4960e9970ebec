import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { type AddressInfo, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeMessage, SalesRecordedV1 } from '@app/contracts';
import { createSqsClient } from '@app/messaging/sqs-client';
import { createTestDatabase, databaseKinds } from '../../../tools/testing/databases';
import { createTestQueues, eventually } from '../../../tools/testing/queues';
import { TcpProxy } from '../../../tools/testing/tcp-proxy';
import { parseResponse, RawResponse } from '../../../tools/faults/fuzz/raw-http';
import { startCustomerApi, VALID_PAYMENT } from './customer-api.harness';

/** Every response in the bytes one connection received, in order. */
function parseResponses(raw: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = raw;
  for (;;) {
    const response = parseResponse(rest, 0);
    if (!response) {
      return responses;
    }
    responses.push(response);
    const length = Number(response.headers['content-length'] ?? 0);
    rest = rest.subarray(rest.indexOf('\r\n\r\n') + 4 + length);
  }
}

/** The value of one sample in Prometheus text, or 0 when absent. */
function sample(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

describe.each(databaseKinds())('customer-api operations (%s)', (kind) => {
  it('should move each metric when its event happens', async () => {
    const sqs = createSqsClient({
      region: 'us-east-1',
      endpoint: process.env.TEST_SQS_ENDPOINT,
    });
    const api = await startCustomerApi(kind, sqs, process.env.TEST_SQS_ENDPOINT as string);
    try {
      const scrape = async (): Promise<string> =>
        (await api.http().get('/metrics').expect(200)).text;
      const before = await scrape();
      expect(before).toContain('process_cpu_user_seconds_total');

      const created = await api.http().post('/payments').send(VALID_PAYMENT).expect(202);
      await api
        .http()
        .post('/payments')
        .send({ ...VALID_PAYMENT, amount: 0 })
        .expect(400);
      const paymentId = (created.body as { requestId: string }).requestId;
      const { body, attributes } = encodeMessage(
        Object.assign(new SalesRecordedV1(), { paymentId, recordedAt: new Date().toISOString() }),
      );
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: api.queues.paymentStatus.url,
          MessageBody: body,
          MessageAttributes: attributes,
        }),
      );
      await eventually(
        async () =>
          (await api.http().get(`/payments/${paymentId}`)).body.status === 'COMPLETED'
            ? true
            : undefined,
        { what: 'COMPLETED' },
      );

      // Counted just after the commit a GET may already see: wait for the count, not only the row.
      const after = await eventually(
        async () => {
          const text = await scrape();
          return sample(text, 'payment_status_updates_total{result="completed"}') === 1
            ? text
            : undefined;
        },
        { what: 'the completed status counted' },
      );
      expect(sample(after, 'payments_requests_total{outcome="accepted"}')).toBe(1);
      expect(sample(after, 'payments_requests_total{outcome="invalid"}')).toBe(1);
      expect(sample(after, 'payment_status_updates_total{result="completed"}')).toBe(1);
      expect(sample(after, 'payment_completion_seconds_count')).toBe(1);
      expect(sample(after, 'outbox_publish_latency_seconds_count')).toBe(1);
      expect(after).toMatch(/^outbox_backlog 0$/m);
      // Queue depths are sampled on an interval, not read per scrape.
      await eventually(
        async () =>
          (await scrape()).includes(
            `sqs_queue_messages{queue="${api.queues.sales.name}",state="visible"} 1`,
          )
            ? true
            : undefined,
        { what: 'the sampled depth of the sales queue' },
      );
    } finally {
      await api.close();
      sqs.destroy();
    }
  });

  it('should refuse requests that arrive while it closes with a 503 problem+json and Retry-After', async () => {
    const sqs = createSqsClient({ region: 'us-east-1', endpoint: process.env.TEST_SQS_ENDPOINT });
    const api = await startCustomerApi(kind, sqs, process.env.TEST_SQS_ENDPOINT as string);
    try {
      await api.app.listen(0, '127.0.0.1');
      const server = api.app.getHttpServer();
      const socket = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      const socketClosed = new Promise((resolve) => socket.on('close', resolve));
      // A request whose body is still on its way keeps this connection open through close().
      socket.write(
        'POST /payments HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n' +
          'Content-Length: 2\r\n\r\n{',
      );
      await sleep(200);
      const closed = api.close();
      await eventually(async () => (server.listening ? undefined : true), {
        what: 'the server to stop listening',
      });
      // The end of that request, and another one behind it on the same connection.
      socket.write(
        '}GET /payments/00000000-0000-0000-0000-000000000000 HTTP/1.1\r\nHost: api\r\n\r\n',
      );
      await socketClosed;
      await closed;

      const [first, second] = parseResponses(Buffer.concat(received));
      // The request already in flight was served as usual.
      expect(first.status).toBe(400);
      expect(first.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(second.status).toBe(503);
      expect(second.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(second.headers['retry-after']).toBe('1');
      expect(second.headers.connection).toBe('close');
      expect(JSON.parse(second.body)).toEqual({
        type: 'urn:problem:service-unavailable',
        title: 'Service Unavailable',
        status: 503,
        detail: expect.any(String),
        code: 'SHUTTING_DOWN',
      });
    } finally {
      sqs.destroy();
    }
  });
});

const mysqlOnly = databaseKinds().includes('mysql') ? ['mysql' as const] : [];

describe.each(mysqlOnly)('customer-api readiness (%s)', (kind) => {
  it('should go 503 when the database is cut and back to 200 when it returns', async () => {
    const db = await createTestDatabase(kind, 'ready');
    const target = new URL(db.url as string);
    const proxy = await TcpProxy.start(target.hostname, Number(target.port || 3306));
    const viaProxy = new URL(db.url as string);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const sqs = createSqsClient({
      region: 'us-east-1',
      endpoint: process.env.TEST_SQS_ENDPOINT,
    });
    const api = await startCustomerApi(
      kind,
      sqs,
      process.env.TEST_SQS_ENDPOINT as string,
      { DATABASE_URL: viaProxy.toString() },
      { db, queues: await createTestQueues(sqs) },
    );
    try {
      await api.http().get('/health/ready').expect(200);
      await api.http().get('/health/live').expect(200);
      proxy.cut();
      const down = await api.http().get('/health/ready');
      expect(down.status).toBe(503);
      expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
      await api.http().get('/health/live').expect(200);
      proxy.restore();
      await eventually(
        async () => ((await api.http().get('/health/ready')).status === 200 ? true : undefined),
        {
          what: 'ready again',
        },
      );
    } finally {
      await api.close();
      await proxy.close();
      await db.drop();
      sqs.destroy();
    }
  });
});

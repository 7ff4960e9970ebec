import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  encodeMessage,
  PaymentRecordedV1,
  SALES_FAILED,
  SALES_RECORDED,
  SalesFailedV1,
  SalesRecordedV1,
} from '@app/contracts';
import { databaseKinds } from '../../../tools/testing/databases';
import { eventually, queueDepth, receiveAll, testSqsClient } from '../../../tools/testing/queues';
import { Harness, startCustomerApi, VALID_PAYMENT } from './customer-api.harness';

const PROBLEM = /^application\/problem\+json/;

describe.each(databaseKinds())('customer-api payments (%s)', (kind) => {
  let sqs: SQSClient;
  let api: Harness;

  beforeAll(async () => {
    sqs = testSqsClient();
    api = await startCustomerApi(kind, sqs, process.env.TEST_SQS_ENDPOINT as string);
  });

  afterAll(async () => {
    await api.close();
  });

  async function count(table: 'payments' | 'outbox' | 'idempotency_keys'): Promise<number> {
    const [row] = await api.dataSource.query<{ n: number | string }[]>(
      `SELECT COUNT(*) AS n FROM ${table}`,
    );
    return Number(row.n);
  }

  async function sendStatus(message: SalesRecordedV1 | SalesFailedV1): Promise<void> {
    const { body, attributes } = encodeMessage(message, 'test-correlation');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: api.queues.paymentStatus.url,
        MessageBody: body,
        MessageAttributes: attributes,
      }),
    );
  }

  describe('POST /payments', () => {
    it('should answer 202 with Location and Retry-After, store the payment and queue payment.recorded', async () => {
      const res = await api
        .http()
        .post('/payments')
        .set('X-Request-Id', 'corr-202-test')
        .send({ ...VALID_PAYMENT, paidAt: '2026-03-31T23:30:00-02:00' })
        .expect(202);

      const { requestId } = res.body as { requestId: string };
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.location).toBe(`/payments/${requestId}`);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toEqual({
        requestId,
        status: 'PENDING',
        statusUrl: `/payments/${requestId}`,
        ...VALID_PAYMENT,
        paidAt: '2026-04-01T01:30:00.000Z',
        period: '2026-04',
        createdAt: expect.any(String),
      });

      const [row] = await api.dataSource.query<Record<string, unknown>[]>(
        'SELECT * FROM payments WHERE id = ?',
        [requestId],
      );
      expect(row).toMatchObject({
        status: 'PENDING',
        amount: 12_345,
        currency: 'USD',
        period: '2026-04',
      });

      const messages = await eventually(
        async () => {
          const found = await receiveAll(sqs, api.queues.sales.url, { waitSeconds: 1 });
          return found.length > 0 ? found : undefined;
        },
        { what: 'payment.recorded on the sales queue' },
      );
      expect(messages).toHaveLength(1);
      const body = JSON.parse(messages[0].Body ?? '') as PaymentRecordedV1;
      expect(body).toEqual({
        type: 'payment.recorded',
        version: 1,
        paymentId: requestId,
        ...VALID_PAYMENT,
        period: '2026-04',
        paidAt: '2026-04-01T01:30:00.000Z',
        recordedAt: expect.any(String),
      });
      expect(messages[0].MessageAttributes).toMatchObject({
        type: { StringValue: 'payment.recorded' },
        version: { StringValue: '1' },
        correlationId: { StringValue: 'corr-202-test' },
      });
      await eventually(async () => ((await count('outbox')) === 0 ? true : undefined), {
        what: 'an empty outbox',
      });
    });

    it('should accept 29 February of a leap year, and a lower-case t and z as RFC 3339 allows', async () => {
      const leap = await api
        .http()
        .post('/payments')
        .send({ ...VALID_PAYMENT, paidAt: '2024-02-29T12:00:00Z' })
        .expect(202);
      expect(leap.body).toMatchObject({ paidAt: '2024-02-29T12:00:00.000Z', period: '2024-02' });
      const lower = await api
        .http()
        .post('/payments')
        .send({ ...VALID_PAYMENT, paidAt: '2026-01-31t10:00:00z', period: '2026-02' })
        .expect(202);
      expect(lower.body).toMatchObject({ paidAt: '2026-01-31T10:00:00.000Z', period: '2026-02' });
    });

    it('should default paidAt to now and period to its UTC month', async () => {
      const before = Date.now();
      const res = await api.http().post('/payments').send(VALID_PAYMENT).expect(202);
      const paidAt = Date.parse((res.body as { paidAt: string }).paidAt);
      expect(paidAt).toBeGreaterThanOrEqual(before - 1);
      expect((res.body as { period: string }).period).toBe(
        new Date(paidAt).toISOString().slice(0, 7),
      );
    });
  });

  describe('GET /payments/{requestId}', () => {
    it('should show a pending payment with Retry-After', async () => {
      const created = await api
        .http()
        .post('/payments')
        .send({ ...VALID_PAYMENT, period: '2026-01' })
        .expect(202);
      const { requestId } = created.body as { requestId: string };

      const res = await api.http().get(`/payments/${requestId}`).expect(200);

      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toEqual({
        requestId,
        status: 'PENDING',
        ...VALID_PAYMENT,
        period: '2026-01',
        paidAt: expect.any(String),
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
    });

    it('should answer 404 for an unknown id and 400 for an id that is not a UUID', async () => {
      const missing = await api
        .http()
        .get('/payments/01a2189a-22ad-7408-a371-7e9ffa893415')
        .expect(404);
      expect(missing.headers['content-type']).toMatch(PROBLEM);
      const bad = await api.http().get('/payments/not-a-uuid').expect(400);
      expect(bad.headers['content-type']).toMatch(PROBLEM);
      expect(bad.body).toMatchObject({ status: 400, errors: [{ field: 'requestId' }] });
    });
  });

  describe('payment-status messages', () => {
    async function pending(): Promise<string> {
      const res = await api.http().post('/payments').send(VALID_PAYMENT).expect(202);
      return (res.body as { requestId: string }).requestId;
    }

    function recorded(paymentId: string): SalesRecordedV1 {
      return Object.assign(new SalesRecordedV1(), {
        paymentId,
        recordedAt: new Date().toISOString(),
      });
    }

    function failed(paymentId: string): SalesFailedV1 {
      return Object.assign(new SalesFailedV1(), {
        paymentId,
        code: 'RETRIES_EXHAUSTED',
        message: 'sales DB unavailable',
        attempts: 5,
      });
    }

    async function statusOf(id: string, wanted: string): Promise<Record<string, unknown>> {
      return eventually(
        async () => {
          const res = await api.http().get(`/payments/${id}`);
          const body = res.body as Record<string, unknown>;
          return body.status === wanted ? body : undefined;
        },
        { what: `payment ${id} to be ${wanted}` },
      );
    }

    it(`should move a payment to COMPLETED on ${SALES_RECORDED} and keep it there`, async () => {
      const id = await pending();
      await sendStatus(recorded(id));
      const completed = await statusOf(id, 'COMPLETED');
      expect(completed.completedAt).toEqual(expect.any(String));

      // A late failure report and a duplicate never move a final status back.
      await sendStatus(failed(id));
      await sendStatus(recorded(id));
      await eventually(
        async () => {
          const { visible, inFlight } = await queueDepth(sqs, api.queues.paymentStatus.url);
          return visible + inFlight === 0 ? true : undefined;
        },
        { what: 'the status queue to drain' },
      );
      const res = await api.http().get(`/payments/${id}`).expect(200);
      expect(res.body).toMatchObject({ status: 'COMPLETED' });
      expect(res.headers['retry-after']).toBeUndefined();
    });

    it(`should move a payment to FAILED on ${SALES_FAILED}, and to COMPLETED if it is recorded after all`, async () => {
      const id = await pending();
      await sendStatus(failed(id));
      const body = await statusOf(id, 'FAILED');
      expect(body.failure).toEqual({
        code: 'RETRIES_EXHAUSTED',
        message: 'sales DB unavailable',
        attempts: 5,
      });

      await sendStatus(recorded(id));
      const completed = await statusOf(id, 'COMPLETED');
      expect(completed.failure).toBeUndefined();
    });

    it('should apply a batch of mixed reports as each would be alone', async () => {
      const [failing, recordedTwice, done] = [await pending(), await pending(), await pending()];
      await sendStatus(recorded(done));
      await statusOf(done, 'COMPLETED');
      const batch = [failed(failing), recorded(recordedTwice), recorded(recordedTwice)];
      batch.push(failed(done), recorded('00000000-0000-4000-8000-000000000000'));
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: api.queues.paymentStatus.url,
          Entries: batch.map((message, i) => {
            const { body, attributes } = encodeMessage(message, 'test-correlation');
            return { Id: String(i), MessageBody: body, MessageAttributes: attributes };
          }),
        }),
      );
      expect((await statusOf(failing, 'FAILED')).failure).toMatchObject({ attempts: 5 });
      await statusOf(recordedTwice, 'COMPLETED');
      await eventually(
        async () => {
          const { visible, inFlight } = await queueDepth(sqs, api.queues.paymentStatus.url);
          return visible + inFlight === 0 ? true : undefined;
        },
        { what: 'the status queue to drain' },
      );
      expect((await api.http().get(`/payments/${done}`)).body).toMatchObject({
        status: 'COMPLETED',
      });
      expect(await receiveAll(sqs, api.queues.paymentStatus.dlqUrl, { waitSeconds: 1 })).toEqual(
        [],
      );
    });

    it('should dead-letter a malformed status message at once', async () => {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: api.queues.paymentStatus.url, MessageBody: '{oops' }),
      );
      const dead = await eventually(
        async () => {
          const found = await receiveAll(sqs, api.queues.paymentStatus.dlqUrl, { waitSeconds: 1 });
          return found.length > 0 ? found : undefined;
        },
        { what: 'the malformed message in the DLQ' },
      );
      expect(dead[0].Body).toBe('{oops');
      expect(dead[0].MessageAttributes?.failureCode?.StringValue).toBe('MALFORMED_JSON');
    });
  });
});

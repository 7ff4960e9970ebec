import type { AddressInfo } from 'node:net';
import { RawResponse, sendRaw } from '../../../tools/faults/fuzz/raw-http';
import { databaseKinds } from '../../../tools/testing/databases';
import { testSqsClient } from '../../../tools/testing/queues';
import { BAD_BODIES, DEEP_BODIES, MALFORMED } from './bad-input.cases';
import { Harness, startCustomerApi, VALID_PAYMENT } from './customer-api.harness';

function expectProblem(res: RawResponse | undefined, status: number): Record<string, unknown> {
  expect(res?.status).toBe(status);
  expect(res?.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res?.body ?? '') as Record<string, unknown>;
  expect(body).toMatchObject({
    type: expect.stringMatching(/^urn:problem:/),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  return body;
}

describe.each(databaseKinds())('customer-api bad input (%s)', (kind) => {
  let api: Harness;

  let port: number;

  beforeAll(async () => {
    api = await startCustomerApi(kind, testSqsClient(), process.env.TEST_SQS_ENDPOINT as string);
    // Listening on a real port, for the requests written byte by byte on a socket.
    await api.app.listen(0, '127.0.0.1');
    port = (api.app.getHttpServer().address() as AddressInfo).port;
  });

  afterAll(async () => {
    await api?.close();
  });

  afterEach(async () => {
    // Whatever was refused, nothing was written.
    for (const table of ['payments', 'outbox', 'idempotency_keys']) {
      const [row] = await api.dataSource.query<{ n: number | string }[]>(
        `SELECT COUNT(*) AS n FROM ${table}`,
      );
      expect(Number(row.n)).toBe(0);
    }
  });

  it.each(BAD_BODIES)(
    'should answer 400 naming the fields for %s',
    async (_name, body, badFields) => {
      const res = await api
        .http()
        .post('/payments')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body));

      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = res.body as {
        type: string;
        title: string;
        status: number;
        detail: string;
        errors: { field: string }[];
      };
      expect(problem).toMatchObject({
        type: expect.any(String),
        title: 'Bad Request',
        status: 400,
        detail: expect.any(String),
      });
      expect([...new Set(problem.errors.map((e) => e.field))].sort()).toEqual(
        [...badFields].sort(),
      );
    },
  );

  it.each(DEEP_BODIES)(
    'should answer 400 for %s, naming the field',
    async (_name, raw, badFields, message) => {
      expect(Buffer.byteLength(raw)).toBeLessThan(16 * 1024);
      const res = await api
        .http()
        .post('/payments')
        .set('Content-Type', 'application/json')
        .send(raw);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const { errors } = res.body as { errors: { field: string; message: string }[] };
      expect([...new Set(errors.map((e) => e.field))].sort()).toEqual(badFields);
      const about = (field: string) => errors.filter((e) => e.field === field);
      expect(about(badFields[0]).map((e) => e.message)).toContainEqual(
        expect.stringMatching(message),
      );
    },
  );

  it.each(MALFORMED)('should answer problem+json for %s', async (_name, request, status, field) => {
    const body = expectProblem(await sendRaw(port, request), status);
    if (field !== null) {
      expect(body.errors).toEqual([{ field, message: expect.any(String) }]);
    }
    // Still serving: the refused request left the server healthy.
    await api.http().get('/health/live').expect(200);
  });

  it.each([
    ['truncated JSON', '{"customerId": "c1", "amount": 1'],
    ['a __proto__ key', '{"__proto__": {"admin": true}, "customerId": "c1"}'],
    ['a constructor.prototype key', '{"constructor": {"prototype": {"admin": true}}}'],
    ['an empty body', ''],
  ])('should answer 400 for %s', async (_name, raw) => {
    const res = await api
      .http()
      .post('/payments')
      .set('Content-Type', 'application/json')
      .send(raw);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: 400,
      errors: [expect.objectContaining({ field: expect.any(String) })],
    });
  });

  it('should answer 413 for a body over 16 KiB', async () => {
    const res = await api
      .http()
      .post('/payments')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ ...VALID_PAYMENT, customerId: 'x'.repeat(17 * 1024) }));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['application/xml']])(
    'should answer 415 for a %s body',
    async (contentType) => {
      const res = await api
        .http()
        .post('/payments')
        .set('Content-Type', contentType)
        .send('customerId=c1');
      expect(res.status).toBe(415);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    },
  );

  it.each([
    ['too long', 'k'.repeat(256)],
    ['with a space', 'two words'],
    ['with non-ASCII', 'clé'],
  ])('should answer 400 for an Idempotency-Key %s', async (_name, key) => {
    const res = await api
      .http()
      .post('/payments')
      .set(
        'Idempotency-Key',
        encodeURIComponent(key) === key ? key : Buffer.from(key, 'utf8').toString('latin1'),
      )
      .send(VALID_PAYMENT);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ errors: [{ field: 'Idempotency-Key' }] });
  });

  it('should never leak internals for an unknown route', async () => {
    const res = await api.http().get('/payments/../../etc/passwd');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(JSON.stringify(res.body)).not.toMatch(/node_modules|at .*\.ts|SELECT|typeorm/i);
  });
});

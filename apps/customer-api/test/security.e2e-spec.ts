import { databaseKinds } from '../../../tools/testing/databases';
import { testSqsClient } from '../../../tools/testing/queues';
import { Harness, startCustomerApi, VALID_PAYMENT } from './customer-api.harness';

const ALPHA = 'alpha-key-0123456789abcdef';
const BETA = 'beta-key-0123456789abcdef00';

describe.each(databaseKinds())('customer-api security (%s)', (kind) => {
  let api: Harness;

  beforeAll(async () => {
    api = await startCustomerApi(kind, testSqsClient(), process.env.TEST_SQS_ENDPOINT as string, {
      API_KEYS: `alpha:${ALPHA},beta:${BETA}`,
      RATE_LIMIT_PER_SECOND: '5',
    });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('should answer 401 problem+json without a key or with a wrong one, writing nothing', async () => {
    for (const headers of [
      {},
      { 'x-api-key': 'wrong-key-0123456789' },
      { Authorization: `Basic ${ALPHA}` },
    ]) {
      const res = await api.http().post('/payments').set(headers).send(VALID_PAYMENT);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    const [{ n }] = await api.dataSource.query<{ n: number | string }[]>(
      'SELECT COUNT(*) AS n FROM payments',
    );
    expect(Number(n)).toBe(0);
  });

  it("should hide a client's payment from another client (404) and serve it to its owner", async () => {
    const created = await api
      .http()
      .post('/payments')
      .set('Authorization', `Bearer ${ALPHA}`)
      .send(VALID_PAYMENT)
      .expect(202);
    const location = created.headers.location;

    await api.http().get(location).set('x-api-key', ALPHA).expect(200);
    const other = await api.http().get(location).set('x-api-key', BETA).expect(404);
    expect(other.body).toMatchObject({ status: 404 });
  });

  it('should scope Idempotency-Keys per client', async () => {
    const a = await api
      .http()
      .post('/payments')
      .set('x-api-key', ALPHA)
      .set('Idempotency-Key', 'shared')
      .send(VALID_PAYMENT)
      .expect(202);
    const b = await api
      .http()
      .post('/payments')
      .set('x-api-key', BETA)
      .set('Idempotency-Key', 'shared')
      .send(VALID_PAYMENT)
      .expect(202);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect((b.body as { requestId: string }).requestId).not.toBe(
      (a.body as { requestId: string }).requestId,
    );
  });

  it('should rate limit per client with 429 and Retry-After, leaving other clients alone', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // a fresh window
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.http().get('/payments/01a2189a-22ad-7408-a371-7e9ffa893415').set('x-api-key', ALPHA),
      ),
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    expect(limited[0].headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(limited[0].headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await api
      .http()
      .get('/payments/01a2189a-22ad-7408-a371-7e9ffa893415')
      .set('x-api-key', BETA)
      .expect(404);
  });

  it('should keep health, metrics and the API document public and unthrottled', async () => {
    for (let i = 0; i < 8; i++) {
      await api.http().get('/health/live').expect(200);
    }
    await api.http().get('/metrics').expect(200);
    await api.http().get('/openapi.json').expect(200);
  });

  it('should send security headers and no CORS headers unless configured', async () => {
    const res = await api.http().get('/health/live').set('Origin', 'https://evil.example');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

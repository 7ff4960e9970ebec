import { testSqsClient } from '../../../tools/testing/queues';
import { Harness, startCustomerApi, VALID_PAYMENT } from './customer-api.harness';

const KEY = 'alpha-key-0123456789abcdef';
const PAYMENT = '/payments/01a2189a-22ad-7408-a371-7e9ffa893415';

/** Rate limits that hold: auth failures limited per source before the key is looked at. */
describe('customer-api authentication limits', () => {
  let api: Harness | undefined;

  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  const start = async (overrides: Record<string, string> = {}): Promise<Harness> =>
    startCustomerApi('sqlite', testSqsClient(), process.env.TEST_SQS_ENDPOINT as string, {
      API_KEYS: `alpha:${KEY}`,
      AUTH_FAILURES_PER_MINUTE: '10',
      ...overrides,
    });

  const statuses = async (
    harness: Harness,
    count: number,
    headers: (i: number) => Record<string, string>,
  ): Promise<number[]> => {
    const answers: number[] = [];
    for (let i = 0; i < count; i++) {
      answers.push((await harness.http().get(PAYMENT).set(headers(i))).status);
    }
    return answers;
  };

  it('should turn 30 bad keys from one source into at most 10 × 401, the rest 429', async () => {
    api = await start();
    const answers = await statuses(api, 30, (i) => ({ 'x-api-key': `wrong-key-${i}-0123456789` }));
    expect(answers.filter((s) => s === 401)).toHaveLength(10);
    expect(answers.filter((s) => s === 429)).toHaveLength(20);
    const limited = await api.http().get(PAYMENT).set('x-api-key', 'wrong-key-0123456789');
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.body).toMatchObject({ status: 429, code: 'TOO_MANY_AUTH_FAILURES' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Refused before the key is compared: even the right key learns nothing for now.
    await api.http().post('/payments').set('x-api-key', KEY).send(VALID_PAYMENT).expect(429);
  });

  it('should ignore a spoofed X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    api = await start();
    const answers = await statuses(api, 15, (i) => ({
      'x-api-key': 'wrong-key-0123456789',
      'X-Forwarded-For': `203.0.113.${i + 1}`,
    }));
    // Every request counts against the real peer, whatever address it claims.
    expect(answers.filter((s) => s === 401)).toHaveLength(10);
    expect(answers.filter((s) => s === 429)).toHaveLength(5);
  });

  it("should take a trusted proxy's X-Forwarded-For as the client address", async () => {
    api = await start({ TRUSTED_PROXIES: '127.0.0.1, ::1' });
    const first = await statuses(api, 12, () => ({
      'x-api-key': 'wrong-key-0123456789',
      'X-Forwarded-For': '198.51.100.7',
    }));
    expect(first.filter((s) => s === 429)).toHaveLength(2);
    // Another client behind the same proxy still has its own budget ...
    await api
      .http()
      .get(PAYMENT)
      .set({ 'x-api-key': 'wrong-key-0123456789', 'X-Forwarded-For': '198.51.100.8' })
      .expect(401);
    // ... and an address prepended by the client is not believed: the proxy appended the real one.
    await api
      .http()
      .get(PAYMENT)
      .set({ 'x-api-key': KEY, 'X-Forwarded-For': '198.51.100.9, 198.51.100.7' })
      .expect(429);
    await api
      .http()
      .get(PAYMENT)
      .set({ 'x-api-key': KEY, 'X-Forwarded-For': '198.51.100.7, 198.51.100.8' })
      .expect(404);
  });
});

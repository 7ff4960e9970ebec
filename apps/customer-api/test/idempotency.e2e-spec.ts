import { databaseKinds } from '../../../tools/testing/databases';
import { testSqsClient } from '../../../tools/testing/queues';
import { fingerprintOf } from '../src/payments/payments.service';
import { Harness, startCustomerApi, VALID_PAYMENT } from './customer-api.harness';

/** A DATETIME(3) literal both MySQL and SQLite (as TypeORM stores it) read back. */
function sqlDate(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

describe.each(databaseKinds())('customer-api Idempotency-Key (%s)', (kind) => {
  let api: Harness;

  beforeAll(async () => {
    api = await startCustomerApi(kind, testSqsClient(), process.env.TEST_SQS_ENDPOINT as string);
  });

  afterAll(async () => {
    await api?.close();
  });

  async function paymentsOf(customerId: string): Promise<number> {
    const [row] = await api.dataSource.query<{ n: number | string }[]>(
      'SELECT COUNT(*) AS n FROM payments WHERE customer_id = ?',
      [customerId],
    );
    return Number(row.n);
  }

  it('should replay the first answer for the same key and body, creating nothing', async () => {
    const body = { ...VALID_PAYMENT, customerId: 'idem-replay' };
    const first = await api
      .http()
      .post('/payments')
      .set('Idempotency-Key', 'key-replay')
      .send(body)
      .expect(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    // Same fields in another order are the same body.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await api
      .http()
      .post('/payments')
      .set('Idempotency-Key', 'key-replay')
      .send(reordered)
      .expect(202);

    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.body).toEqual(first.body);
    expect(await paymentsOf('idem-replay')).toBe(1);
  });

  it('should answer 422 for the same key with a different body', async () => {
    const body = { ...VALID_PAYMENT, customerId: 'idem-422' };
    await api.http().post('/payments').set('Idempotency-Key', 'key-422').send(body).expect(202);

    const res = await api
      .http()
      .post('/payments')
      .set('Idempotency-Key', 'key-422')
      .send({ ...body, amount: body.amount + 1 })
      .expect(422);

    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await paymentsOf('idem-422')).toBe(1);
  });

  it('should answer 409 while the first request with the key is in flight', async () => {
    // A request that claimed the key and has not committed yet, as a crash or a slow one leaves it.
    const body = { ...VALID_PAYMENT, customerId: 'idem-409' };
    await api.dataSource.query(
      `INSERT INTO idempotency_keys (client_id, idempotency_key, fingerprint, state, payment_id, locked_until, expires_at)
       VALUES (?, ?, ?, 'IN_FLIGHT', NULL, ?, ?)`,
      [
        'anonymous',
        'key-409',
        fingerprintOf(body),
        sqlDate(new Date(Date.now() + 20_000)),
        sqlDate(new Date(Date.now() + 86_400_000)),
      ],
    );

    const res = await api.http().post('/payments').set('Idempotency-Key', 'key-409').send(body);

    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ status: 409, code: 'IDEMPOTENCY_KEY_IN_FLIGHT' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await paymentsOf('idem-409')).toBe(0);
  });

  it('should let a new request take over a key whose first request died', async () => {
    const body = { ...VALID_PAYMENT, customerId: 'idem-takeover' };
    await api.dataSource.query(
      `INSERT INTO idempotency_keys (client_id, idempotency_key, fingerprint, state, payment_id, locked_until, expires_at)
       VALUES (?, ?, ?, 'IN_FLIGHT', NULL, ?, ?)`,
      [
        'anonymous',
        'key-abandoned',
        fingerprintOf(body),
        sqlDate(new Date(Date.now() - 1_000)),
        sqlDate(new Date(Date.now() + 86_400_000)),
      ],
    );

    await api
      .http()
      .post('/payments')
      .set('Idempotency-Key', 'key-abandoned')
      .send(body)
      .expect(202);
    const replay = await api
      .http()
      .post('/payments')
      .set('Idempotency-Key', 'key-abandoned')
      .send(body)
      .expect(202);

    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(await paymentsOf('idem-takeover')).toBe(1);
  });

  it('should create exactly one payment when the same key races', async () => {
    const body = { ...VALID_PAYMENT, customerId: 'idem-race' };
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.http().post('/payments').set('Idempotency-Key', 'key-race').send(body),
      ),
    );

    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 202 || s === 409)).toBe(true);
    const ids = new Set(
      answers
        .filter((a) => a.status === 202)
        .map((a) => (a.body as { requestId: string }).requestId),
    );
    expect(ids.size).toBe(1);
    expect(await paymentsOf('idem-race')).toBe(1);
  });

  it('should scope keys per client: the same key from another body under another key stays separate', async () => {
    await api
      .http()
      .post('/payments')
      .set('Idempotency-Key', 'key-a')
      .send({ ...VALID_PAYMENT, customerId: 'idem-a' })
      .expect(202);
    await api
      .http()
      .post('/payments')
      .set('Idempotency-Key', 'key-b')
      .send({ ...VALID_PAYMENT, customerId: 'idem-a' })
      .expect(202);
    expect(await paymentsOf('idem-a')).toBe(2);
  });
});

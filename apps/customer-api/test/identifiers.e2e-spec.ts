import { databaseKinds } from '../../../tools/testing/databases';
import { testSqsClient } from '../../../tools/testing/queues';
import { Harness, startCustomerApi, VALID_PAYMENT } from './customer-api.harness';

/**
 * Every identifier compares byte for byte, whatever collation the database was created with
 * (the test databases are utf8mb4_unicode_ci, as docker/mysql and the CDK stack used to be).
 */
describe.each(databaseKinds())('customer-api identifiers compare byte for byte (%s)', (kind) => {
  let api: Harness;

  beforeAll(async () => {
    api = await startCustomerApi(kind, testSqsClient(), process.env.TEST_SQS_ENDPOINT as string, {
      API_KEYS: 'Acme:acme-upper-key-0123456789,acme:acme-lower-key-0123456789',
    });
  });

  afterAll(async () => {
    await api?.close();
  });

  function post(apiKey: string, idempotencyKey: string, body: object) {
    return api
      .http()
      .post('/payments')
      .set('x-api-key', apiKey)
      .set('Idempotency-Key', idempotencyKey)
      .send(body);
  }

  async function count(column: string, value: string): Promise<number> {
    const [row] = await api.dataSource.query<{ n: number | string }[]>(
      `SELECT COUNT(*) AS n FROM payments WHERE ${column} = ?`,
      [value],
    );
    return Number(row.n);
  }

  it('should make case-different Idempotency-Keys two payments', async () => {
    const body = { ...VALID_PAYMENT, customerId: 'ident-key' };
    const first = await post('acme-upper-key-0123456789', 'Order-ABC', body).expect(202);
    const second = await post('acme-upper-key-0123456789', 'order-abc', body).expect(202);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body.requestId).not.toBe(first.body.requestId);
    // Another body under a third spelling is a third key, not a reuse (422).
    await post('acme-upper-key-0123456789', 'ORDER-abc', { ...body, amount: 1 }).expect(202);
    await expect(count('customer_id', 'ident-key')).resolves.toBe(3);
    // And the same spelling still replays.
    const replay = await post('acme-upper-key-0123456789', 'order-abc', body).expect(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.requestId).toBe(second.body.requestId);
  });

  it('should keep clients whose names differ only in case apart', async () => {
    const body = { ...VALID_PAYMENT, customerId: 'ident-client' };
    const upper = await post('acme-upper-key-0123456789', 'shared-key', body).expect(202);
    const lower = await post('acme-lower-key-0123456789', 'shared-key', body).expect(202);
    expect(lower.headers['idempotent-replayed']).toBeUndefined();
    expect(lower.body.requestId).not.toBe(upper.body.requestId);
    // Neither sees the other's payment.
    await api
      .http()
      .get(`/payments/${upper.body.requestId}`)
      .set('x-api-key', 'acme-lower-key-0123456789')
      .expect(404);
    await expect(count('client_id', 'Acme')).resolves.toBeGreaterThanOrEqual(1);
    await expect(count('client_id', 'ACME')).resolves.toBe(0);
  });

  it('should store customerId and policyId so that only the same bytes match', async () => {
    await post('acme-upper-key-0123456789', 'ident-cust', {
      ...VALID_PAYMENT,
      customerId: 'Cust-Case',
      policyId: 'Pol-Case',
    }).expect(202);
    await expect(count('customer_id', 'Cust-Case')).resolves.toBe(1);
    await expect(count('customer_id', 'cust-case')).resolves.toBe(0);
    await expect(count('policy_id', 'POL-CASE')).resolves.toBe(0);
  });

  if (kind === 'mysql') {
    it('should give every text column of the schema a binary collation', async () => {
      const columns = await api.dataSource.query<{ name: string; collation: string }[]>(
        `SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME) AS name, COLLATION_NAME AS collation
         FROM information_schema.COLUMNS
         WHERE TABLE_SCHEMA = DATABASE() AND COLLATION_NAME IS NOT NULL AND TABLE_NAME <> 'migrations'`,
      );
      expect(columns.length).toBeGreaterThan(10);
      expect(columns.filter((c) => !c.collation.endsWith('_bin'))).toEqual([]);
    });
  }
});

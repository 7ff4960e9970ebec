import { createSqsClient } from '@app/messaging/sqs-client';
import { createTestDatabase, DatabaseKind } from '../../../tools/testing/databases';
import { createTestQueues, eventually } from '../../../tools/testing/queues';
import { TcpProxy } from '../../../tools/testing/tcp-proxy';
import { startCustomerApi, VALID_PAYMENT } from './customer-api.harness';

export interface DatabaseFaultDrill {
  /** Database label, and the customerId of the payment sent during the fault. */
  label: string;
  /** What happens to the connections: refused (`cut`) or accepted and never answered (`hang`). */
  fault: (proxy: TcpProxy) => void;
  /** customer-api's database settings for the drill. */
  env: Record<string, string>;
  /** Every request during the fault must be answered within this. */
  boundMs: number;
  /** What the answers must not show (driver errors, SQL). */
  hidden: RegExp;
}

/**
 * customer-api on a database behind a proxy: one payment accepted, then the fault. Every request
 * meanwhile gets a 503 problem+json with Retry-After within the bound, and the payment POSTed
 * during it is not written; once the database answers again, the API recovers by itself.
 */
export async function runDatabaseFaultDrill(
  kind: DatabaseKind,
  drill: DatabaseFaultDrill,
): Promise<void> {
  const db = await createTestDatabase(kind, drill.label);
  const target = new URL(db.url as string);
  const proxy = await TcpProxy.start(target.hostname, Number(target.port || 3306));
  const viaProxy = new URL(db.url as string);
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  const sqs = createSqsClient({ region: 'us-east-1', endpoint: process.env.TEST_SQS_ENDPOINT });
  const queues = await createTestQueues(sqs);
  const api = await startCustomerApi(
    kind,
    sqs,
    process.env.TEST_SQS_ENDPOINT as string,
    { DATABASE_URL: viaProxy.toString(), ...drill.env },
    { db, queues },
  );
  const during = `during-${drill.label}`;
  const after = `after-${drill.label}`;
  try {
    const before = await api.http().post('/payments').send(VALID_PAYMENT).expect(202);
    const id = (before.body as { requestId: string }).requestId;

    drill.fault(proxy);
    for (const call of [
      () => api.http().get(`/payments/${id}`),
      () =>
        api
          .http()
          .post('/payments')
          .send({ ...VALID_PAYMENT, customerId: during }),
      () => api.http().get(`/payments/${id}`),
    ]) {
      const started = Date.now();
      // A request that hangs would wait for ever: give up well past the bound, and fail.
      const res = await call().timeout(drill.boundMs * 3);
      expect(Date.now() - started).toBeLessThan(drill.boundMs);
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(JSON.stringify(res.body)).not.toMatch(drill.hidden);
    }

    proxy.restore();
    await eventually(
      async () => ((await api.http().get(`/payments/${id}`)).status === 200 ? true : undefined),
      { what: 'the API to recover' },
    );
    await api
      .http()
      .post('/payments')
      .send({ ...VALID_PAYMENT, customerId: after })
      .expect(202);
    const rows = await api.dataSource.query<{ customer_id: string }[]>(
      'SELECT customer_id FROM payments WHERE customer_id IN (?, ?)',
      [during, after],
    );
    expect(rows.map((r) => r.customer_id)).toEqual([after]);
  } finally {
    proxy.restore();
    await api.close();
    await proxy.close();
    await db.drop();
    sqs.destroy();
  }
}

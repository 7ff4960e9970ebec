import createClient from 'openapi-fetch';
import type { paths } from '../../../docs/openapi/sales-worker';
import { createTestDatabase, TestDatabase } from '../../../tools/testing/databases';
import {
  committedDocument,
  conventionProblems,
  Document,
  lintOpenApi,
} from '../../../tools/testing/openapi-document';
import { documentText } from '../../../tools/openapi-text';
import { freePort } from '../../../tools/testing/ports';
import { createTestQueues, testSqsClient } from '../../../tools/testing/queues';
import { startSalesWorker, Worker } from './sales-worker.harness';

describe('sales-worker OpenAPI document', () => {
  let db: TestDatabase;
  let worker: Worker;
  let baseUrl: string;
  let served: Document;

  beforeAll(async () => {
    const sqs = testSqsClient();
    db = await createTestDatabase('sqlite', 'worker');
    worker = await startSalesWorker(db, await createTestQueues(sqs));
    sqs.destroy();
    const port = await freePort();
    await worker.app.listen(port, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${port}`;
    served = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as Document;
  });

  afterAll(async () => {
    await worker.close();
    await db.drop();
  });

  it('should be the document committed in docs/openapi (npm run openapi writes it)', () => {
    expect(documentText(served)).toBe(committedDocument('sales-worker').json);
  });

  it("should pass redocly's recommended rules without a warning", async () => {
    await expect(lintOpenApi(documentText(served), 'sales-worker.json')).resolves.toEqual([]);
  });

  it('should keep the conventions a generated client relies on', () => {
    expect(conventionProblems(served)).toEqual([]);
    expect(Object.keys(served.paths).sort()).toEqual([
      '/health/live',
      '/health/ready',
      '/metrics',
      '/sales',
      '/sales/payments/{paymentId}',
    ]);
  });

  it('should read the sales database through a client generated from the document', async () => {
    const client = createClient<paths>({ baseUrl });
    const month = await client.GET('/sales', { params: { query: { period: '2031-02' } } });
    expect(month.data).toEqual({ period: '2031-02', totals: [] });
    const missing = await client.GET('/sales/payments/{paymentId}', {
      params: { path: { paymentId: '01a2189a-22ad-7408-a371-7e9ffa893414' } },
    });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ status: 404 });
  });

  it('should answer GET /sales without a period with one error for its one field', async () => {
    const res = await fetch(`${baseUrl}/sales`);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: { field: string; message: string }[] };
    expect(problem.errors).toEqual([
      { field: 'period', message: 'period is required, a month as YYYY-MM' },
    ]);
  });
});

import { SQSClient } from '@aws-sdk/client-sqs';
import createClient from 'openapi-fetch';
import type { paths } from '../../../docs/openapi/customer-api';
import {
  committedDocument,
  conventionProblems,
  Document,
  lintOpenApi,
} from '../../../tools/testing/openapi-document';
import { freePort } from '../../../tools/testing/ports';
import { testSqsClient } from '../../../tools/testing/queues';
import { documentText } from '../../../tools/openapi-text';
import { Harness, startCustomerApi } from './customer-api.harness';

const API_KEY = 'openapi-test-key-0123456789';

describe('customer-api OpenAPI document', () => {
  let sqs: SQSClient;
  let api: Harness;
  let baseUrl: string;
  let served: Document;

  beforeAll(async () => {
    sqs = testSqsClient();
    api = await startCustomerApi('sqlite', sqs, String(process.env.TEST_SQS_ENDPOINT), {
      API_KEYS: `tester:${API_KEY}`,
    });
    const port = await freePort();
    await api.app.listen(port, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${port}`;
    served = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as Document;
  });

  afterAll(async () => {
    await api.close();
    sqs.destroy();
  });

  it('should be the document committed in docs/openapi (npm run openapi writes it)', () => {
    const committed = committedDocument('customer-api');
    expect(documentText(served)).toBe(committed.json);
  });

  it("should pass redocly's recommended rules without a warning", async () => {
    await expect(lintOpenApi(documentText(served), 'customer-api.json')).resolves.toEqual([]);
  });

  it('should keep the conventions a generated client relies on', () => {
    expect(conventionProblems(served)).toEqual([]);
    expect(served.paths['/payments'].post.security).toEqual(
      expect.arrayContaining([{ bearer: [] }, { apiKey: [] }]),
    );
    const key = served.paths['/payments'].post.parameters?.find(
      (p) => p.name === 'Idempotency-Key',
    );
    expect(key?.schema).toMatchObject({ type: 'string', minLength: 1, maxLength: 255 });
    expect(new RegExp(String(key?.schema?.pattern)).test('abc-1')).toBe(true);
    expect(new RegExp(String(key?.schema?.pattern)).test('a b')).toBe(false);
    expect(served.paths['/health/live'].get.responses['200'].content).toHaveProperty([
      'application/json',
      'schema',
    ]);
  });

  it('should carry a payment through a client generated from the document', async () => {
    const client = createClient<paths>({ baseUrl, headers: { 'x-api-key': API_KEY } });
    const accepted = await client.POST('/payments', {
      params: { header: { 'Idempotency-Key': 'openapi-round-trip-1' } },
      body: { customerId: 'cust-oa', policyId: 'pol-oa', amount: 4200, currency: 'EUR' },
    });
    expect(accepted.response.status).toBe(202);
    const requestId = accepted.data?.requestId ?? '';
    const status = await client.GET('/payments/{requestId}', {
      params: { path: { requestId } },
    });
    expect(status.data).toMatchObject({ requestId, amount: 4200, currency: 'EUR' });
    expect(['PENDING', 'COMPLETED']).toContain(status.data?.status);

    // Without a key: the payments refuse, health answers (the document says it needs none).
    const anonymous = createClient<paths>({ baseUrl });
    const refused = await anonymous.GET('/payments/{requestId}', {
      params: { path: { requestId } },
    });
    expect(refused.response.status).toBe(401);
    expect(refused.error).toMatchObject({ status: 401 });
    const live = await anonymous.GET('/health/live');
    expect(live.data).toMatchObject({ status: 'ok' });
  });
});

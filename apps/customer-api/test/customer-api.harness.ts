import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DataSource } from 'typeorm';
import request from 'supertest';
import { createTestDatabase, DatabaseKind, TestDatabase } from '../../../tools/testing/databases';
import { OpenApiResponseValidator, RecordedResponse } from '../../../tools/testing/openapi';
import { createTestQueues, TestQueues } from '../../../tools/testing/queues';
import { shutDownService } from '@app/platform/service-lifecycle';
import type { DestinationStream } from 'pino';
import { createApp } from '../src/bootstrap';
import { loadEnvironment } from '../src/config/environment.module';

export interface Harness {
  app: NestFastifyApplication;
  http: () => ReturnType<typeof request>;
  db: TestDatabase;
  dataSource: DataSource;
  queues: TestQueues;
  close(): Promise<void>;
}

/** customer-api in-process on a fresh database and fresh queues of the given SQS endpoint. */
export async function startCustomerApi(
  kind: DatabaseKind,
  sqs: SQSClient,
  endpoint: string,
  overrides: Record<string, string> = {},
  existing?: { db: TestDatabase; queues: TestQueues },
  logDestination?: DestinationStream,
): Promise<Harness> {
  const db = existing?.db ?? (await createTestDatabase(kind, 'api'));
  const queues = existing?.queues ?? (await createTestQueues(sqs));
  const env = loadEnvironment({
    NODE_ENV: 'test',
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    SQLITE_PATH: db.sqlitePath,
    SQS_ENDPOINT: endpoint,
    SALES_QUEUE: queues.sales.url,
    PAYMENT_STATUS_QUEUE: queues.paymentStatus.url,
    SQS_WAIT_TIME_SECONDS: '1',
    OUTBOX_SWEEP_INTERVAL_MS: '200',
    // Tests see a cut dependency and a new queue depth at once; operations-cost tests the caching.
    READINESS_CACHE_MS: '0',
    QUEUE_DEPTH_SAMPLE_INTERVAL_MS: '1000',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
  const app = await createApp(env, logDestination);
  // Every answer the tests see is checked against the OpenAPI document when the app closes.
  const responses: RecordedResponse[] = [];
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply, payload) => {
      const route = request.routeOptions.url;
      // The API document and the payment page's static files are not API operations.
      const notApi = /^\/(docs|openapi|assets\/|index\.html$|$)/;
      if (route && !notApi.test(route)) {
        responses.push({
          method: request.method,
          route,
          status: reply.statusCode,
          contentType: String(reply.getHeader('content-type') ?? ''),
          body: typeof payload === 'string' ? payload : '',
        });
      }
      return payload;
    });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    http: () => request(app.getHttpServer()),
    db,
    dataSource: app.get(DataSource),
    queues,
    close: async () => {
      const document = (await request(app.getHttpServer()).get('/openapi.json').expect(200)).body;
      await shutDownService(app, 10_000);
      const validator = new OpenApiResponseValidator(document);
      const problems = responses.flatMap((r) => validator.check(r));
      expect(problems).toEqual([]);
      if (!existing) {
        await db.drop();
      }
    },
  };
}

export const VALID_PAYMENT = {
  customerId: 'cust-42',
  policyId: 'pol_7.A',
  amount: 12_345,
  currency: 'USD',
};

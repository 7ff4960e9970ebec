import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DataSource } from 'typeorm';
import request from 'supertest';
import { createTestDatabase, DatabaseKind, TestDatabase } from '../../../tools/testing/databases';
import { createTestQueues, TestQueues } from '../../../tools/testing/queues';
import { createApp } from '../src/bootstrap';
import { loadEnvironment } from '../src/config/config.module';

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
    LOG_LEVEL: 'silent',
    ...overrides,
  });
  const app = await createApp(env);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    http: () => request(app.getHttpServer()),
    db,
    dataSource: app.get(DataSource),
    queues,
    close: async () => {
      await app.close();
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

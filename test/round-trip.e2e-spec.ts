import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SQSClient } from '@aws-sdk/client-sqs';
import request from 'supertest';
import type { DeadLetter } from '@app/messaging/dead-letters';
import { run as runQueueAdmin } from '../apps/queue-admin/src/main';
import { createTestDatabase, databaseKinds, TestDatabase } from '../tools/testing/databases';
import { createTestQueues, eventually, testSqsClient, TestQueues } from '../tools/testing/queues';
import { shutDownService } from '@app/platform/service-lifecycle';
import {
  createApp as createCustomerApi,
  loadEnvironment as loadCustomerApiEnvironment,
} from '../apps/customer-api/src/bootstrap';
import { MessageFault, messageFault } from '../apps/sales-worker/test/faults';
import {
  QueueInbox,
  startSalesWorker,
  Worker,
} from '../apps/sales-worker/test/sales-worker.harness';

/** Both services as `npm start` runs them, each on its own DB, meeting only through the queues. */
const MAX_ATTEMPTS = 2;
const MAX_RECEIVE_COUNT = 3;

interface PaymentAnswer {
  requestId: string;
  status: 'PENDING' | 'COMPLETED' | 'FAILED';
  failure?: { code: string; message: string; attempts: number };
}

describe.each(databaseKinds())(
  'payments round trip through customer-api and sales-worker (%s)',
  (kind) => {
    let sqs: SQSClient;
    let queues: TestQueues;
    let apiDb: TestDatabase;
    let salesDb: TestDatabase;
    let api: NestFastifyApplication;
    let fault: MessageFault;
    let worker: Worker;

    beforeAll(async () => {
      sqs = testSqsClient();
      queues = await createTestQueues(sqs, {
        maxReceiveCount: MAX_RECEIVE_COUNT,
        visibilityTimeoutSeconds: 30,
        retentionSeconds: 3600,
      });
      apiDb = await createTestDatabase(kind, 'round_trip_api');
      salesDb = await createTestDatabase(kind, 'round_trip_sales');
      api = await createCustomerApi(
        loadCustomerApiEnvironment({
          NODE_ENV: 'test',
          ...(apiDb.url ? { DATABASE_URL: apiDb.url } : {}),
          SQLITE_PATH: apiDb.sqlitePath,
          SQS_ENDPOINT: process.env.TEST_SQS_ENDPOINT,
          SALES_QUEUE: queues.sales.url,
          PAYMENT_STATUS_QUEUE: queues.paymentStatus.url,
          SQS_WAIT_TIME_SECONDS: '1',
          MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
          MAX_ATTEMPTS: String(MAX_ATTEMPTS),
          OUTBOX_SWEEP_INTERVAL_MS: '200',
          LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        }),
      );
      await api.init();
      await api.getHttpAdapter().getInstance().ready();
      fault = await messageFault(salesDb);
      worker = await startSalesWorker(salesDb, queues, {
        MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
        MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      });
    });

    afterAll(async () => {
      await worker?.close();
      if (api) {
        // As on SIGTERM: its consumer's long poll must not outlive the test.
        await shutDownService(api, 10_000);
      }
      await fault?.close();
      await apiDb?.drop();
      await salesDb?.drop();
      sqs?.destroy();
    });

    async function pay(body: Record<string, unknown>): Promise<string> {
      const accepted = await request(api.getHttpServer()).post('/payments').send(body).expect(202);
      return (accepted.body as PaymentAnswer).requestId;
    }

    async function settled(requestId: string): Promise<PaymentAnswer> {
      return eventually(
        async () => {
          const answer = await request(api.getHttpServer())
            .get(`/payments/${requestId}`)
            .expect(200);
          const payment = answer.body as PaymentAnswer;
          return payment.status === 'PENDING' ? undefined : payment;
        },
        { timeoutMs: 20_000, what: `payment ${requestId} to leave PENDING` },
      );
    }

    it('should take a POSTed payment to COMPLETED, the sales totals equal to the sum of the payments', async () => {
      const payments = [
        { amount: 1_999, currency: 'USD' },
        { amount: 50_000, currency: 'EUR' },
        { amount: 1, currency: 'USD' },
        { amount: 100_000_000_000, currency: 'JPY' },
        { amount: 250, currency: 'EUR' },
      ].map((p, i) => ({ customerId: `cust-${i}`, policyId: 'pol-1', period: '2035-01', ...p }));
      const started = Date.now();
      const ids = await Promise.all(payments.map(pay));
      const answers = await Promise.all(ids.map(settled));
      expect(answers.map((a) => a.status)).toEqual(Array(payments.length).fill('COMPLETED'));
      // The README promises a second or two on the local stack.
      expect(Date.now() - started).toBeLessThan(5_000);

      const totals = await worker.http().get('/sales?period=2035-01').expect(200);
      expect(totals.body).toEqual({
        period: '2035-01',
        totals: [
          { currency: 'EUR', count: 2, amount: '50250' },
          { currency: 'JPY', count: 1, amount: '100000000000' },
          { currency: 'USD', count: 2, amount: '2000' },
        ],
      });
      const sale = await worker.http().get(`/sales/payments/${ids[1]}`).expect(200);
      expect(sale.body).toMatchObject({ paymentId: ids[1], amount: 50_000, currency: 'EUR' });
    });

    it('should end a payment the sales DB never takes in FAILED with its attempts, its message in sales-dlq', async () => {
      await fault.refuse('cust-x');
      let requestId: string;
      let answer: PaymentAnswer;
      try {
        requestId = await pay({
          customerId: 'cust-x',
          policyId: 'pol-1',
          amount: 700,
          currency: 'USD',
          period: '2035-02',
        });
        answer = await settled(requestId);
      } finally {
        await fault.accept();
      }
      expect(answer).toMatchObject({
        status: 'FAILED',
        failure: { code: 'RETRIES_EXHAUSTED', attempts: MAX_ATTEMPTS },
      });
      const deadLetters = new QueueInbox(sqs, queues.sales.dlqUrl);
      await deadLetters.waitFor(requestId, 'payment.recorded');
      await worker.http().get(`/sales/payments/${requestId}`).expect(404);
    });

    it('should list a dead-lettered payment and bring it to COMPLETED with the operator redrive', async () => {
      await fault.refuse('cust-redrive');
      let requestId: string;
      try {
        requestId = await pay({
          customerId: 'cust-redrive',
          policyId: 'pol-1',
          amount: 4_200,
          currency: 'EUR',
          period: '2035-03',
        });
        expect(await settled(requestId)).toMatchObject({ status: 'FAILED' });
      } finally {
        await fault.accept();
      }
      const operatorEnv = {
        SQS_ENDPOINT: process.env.TEST_SQS_ENDPOINT,
        SALES_QUEUE: queues.sales.url,
        PAYMENT_STATUS_QUEUE: queues.paymentStatus.url,
      };
      const output: string[] = [];
      const dlq = (...args: string[]) =>
        runQueueAdmin(['dlq', ...args], operatorEnv, (line) => output.push(line));

      await eventually(
        async () => {
          output.length = 0;
          await dlq('list', '--json');
          return output.some((line) => line.includes(requestId)) ? true : undefined;
        },
        { what: 'the payment in the DLQ listing' },
      );
      const listed = output
        .map((line) => JSON.parse(line) as DeadLetter)
        .find((l) => l.paymentId === requestId);
      expect(listed).toMatchObject({ type: 'payment.recorded', deadLetteredBy: 'consumer' });

      output.length = 0;
      await dlq('redrive', '--id', listed?.messageId ?? '', '--rate', '50');
      expect(output.join('\n')).toMatch(/moved 1 message/);

      expect(
        await eventually(
          async () => {
            const answer = await request(api.getHttpServer())
              .get(`/payments/${requestId}`)
              .expect(200);
            return (answer.body as PaymentAnswer).status === 'COMPLETED'
              ? (answer.body as PaymentAnswer)
              : undefined;
          },
          { timeoutMs: 20_000, what: 'COMPLETED after the redrive' },
        ),
      ).toMatchObject({ status: 'COMPLETED' });
      const totals = await worker.http().get('/sales?period=2035-03').expect(200);
      expect(totals.body).toEqual({
        period: '2035-03',
        totals: [{ currency: 'EUR', count: 1, amount: '4200' }],
      });
    });
  },
);

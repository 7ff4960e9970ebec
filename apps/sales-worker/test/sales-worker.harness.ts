import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  DeleteMessageBatchCommand,
  Message,
  MessageAttributeValue,
  SQSClient,
} from '@aws-sdk/client-sqs';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { encodeMessage, EncodedMessage, PaymentRecordedV1 } from '@app/contracts';
import { ConsumerDrain } from '@app/messaging/consumer-drain';
import { publishBatch } from '@app/messaging/message-publisher';
import type { TestDatabase } from '../../../tools/testing/databases';
import { eventually, receiveAll, TestQueues } from '../../../tools/testing/queues';
import { dataSourceOptions } from '@app/platform/database';
import { shutDownService } from '@app/platform/service-lifecycle';
import type { DestinationStream } from 'pino';
import { createApp } from '../src/bootstrap';
import { loadEnvironment } from '../src/config/environment.module';
import { SalesWorkerEnvironment } from '../src/config/environment';
import { ENTITIES } from '../src/database/entities';

/** One delivery of a `sales` message to the worker, as its consumer saw it. */
export interface Receive {
  at: number;
  messageId: string;
  receiveCount: number;
  body: string;
  /** Counts the batches the consumer handled: equal for messages received together. */
  batch: number;
}

export interface Worker {
  app: NestFastifyApplication;
  env: SalesWorkerEnvironment;
  http: () => ReturnType<typeof request>;
  dataSource: DataSource;
  /** Recorded from the end of app.init(): send the messages to watch after the start. */
  receives: Receive[];
  /** What SIGTERM does: drain the consumer, then close. */
  shutDown(): Promise<void>;
  close(): Promise<void>;
}

/** sales-worker in-process, as main.ts starts it, on the given database and queues. */
export async function startSalesWorker(
  db: TestDatabase,
  queues: TestQueues,
  overrides: Record<string, string> = {},
  logDestination?: DestinationStream,
): Promise<Worker> {
  const env = loadEnvironment({
    NODE_ENV: 'test',
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    SQLITE_PATH: db.sqlitePath,
    SQS_ENDPOINT: process.env.TEST_SQS_ENDPOINT,
    SALES_QUEUE: queues.sales.url,
    PAYMENT_STATUS_QUEUE: queues.paymentStatus.url,
    SQS_WAIT_TIME_SECONDS: '1',
    RETRY_BASE_DELAY_SECONDS: '1',
    SHUTDOWN_TIMEOUT_MS: '20000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  });
  const app = await createApp(env, logDestination);
  await app.init();
  const receives: Receive[] = [];
  // Every receive loop on the sales queue (SQS_RECEIVE_LOOPS), seen as one consumer.
  const loops = app.get(ConsumerDrain).consumers;
  if (loops.length !== env.SQS_RECEIVE_LOOPS) {
    throw new Error(`${loops.length} receive loops running, ${env.SQS_RECEIVE_LOOPS} configured`);
  }
  let batch = 0;
  for (const loop of loops) {
    loop.on('response_processed', () => (batch += 1));
    loop.on('message_received', (message: Message) =>
      receives.push({
        at: Date.now(),
        messageId: message.MessageId ?? '',
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount),
        body: message.Body ?? '',
        batch,
      }),
    );
  }
  await app.getHttpAdapter().getInstance().ready();
  let closed = false;
  return {
    app,
    env,
    http: () => request(app.getHttpServer()),
    dataSource: app.get(DataSource),
    receives,
    shutDown: async () => {
      closed = true;
      await shutDownService(app, env.SHUTDOWN_TIMEOUT_MS);
    },
    close: async () => {
      if (!closed) {
        closed = true;
        // Drained first, as on SIGTERM: a long poll left running would outlive the test.
        await app.get(ConsumerDrain).drain(env.SHUTDOWN_TIMEOUT_MS);
        await app.close();
      }
    },
  };
}

/** The worker's database seen by the test itself, e.g. while no worker runs. */
export async function openDatabase(db: TestDatabase): Promise<DataSource> {
  const options = dataSourceOptions({
    url: db.url,
    sqlitePath: db.sqlitePath,
    poolSize: 2,
    connectTimeoutMs: 2_000,
    entities: ENTITIES,
    migrations: [],
  });
  return new DataSource({ ...options, synchronize: false }).initialize();
}

/** A valid `payment.recorded`, unique unless told otherwise. */
export function paymentRecorded(overrides: Partial<PaymentRecordedV1> = {}): PaymentRecordedV1 {
  return Object.assign(new PaymentRecordedV1(), {
    paymentId: randomUUID(),
    customerId: 'cust-42',
    policyId: 'pol_7.A',
    amount: 12_345,
    currency: 'USD',
    period: '2026-11',
    paidAt: '2026-11-02T10:00:00.000Z',
    recordedAt: new Date().toISOString(),
    ...overrides,
  });
}

export function encoded(
  payment: PaymentRecordedV1,
  correlationId = `corr-${payment.paymentId}`,
): EncodedMessage {
  return encodeMessage(payment, correlationId);
}

/** Sends messages as customer-api's relay does (SendMessageBatch); fails unless all were taken. */
export async function send(
  sqs: SQSClient,
  queueUrl: string,
  messages: EncodedMessage[],
): Promise<void> {
  const { failedIds, firstError } = await publishBatch(
    sqs,
    queueUrl,
    messages.map((message, i) => ({ id: String(i), message })),
  );
  if (failedIds.size > 0) {
    throw firstError ?? new Error('SendMessageBatch failed');
  }
}

export interface InboxMessage {
  body: Record<string, unknown>;
  raw: string;
  attributes: Record<string, string | undefined>;
}

/**
 * Everything that arrives on a queue, received and deleted as it comes, so each test can look
 * for its own messages and count them.
 */
export class QueueInbox {
  readonly messages: InboxMessage[] = [];

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async poll(): Promise<InboxMessage[]> {
    const received = await receiveAll(this.sqs, this.queueUrl, { waitSeconds: 0 });
    for (const message of received) {
      this.messages.push({
        body: parseOrEmpty(message.Body),
        raw: message.Body ?? '',
        attributes: attributeValues(message.MessageAttributes),
      });
    }
    for (let i = 0; i < received.length; i += 10) {
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: received
            .slice(i, i + 10)
            .map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    return this.messages;
  }

  about(paymentId: string, type?: string): InboxMessage[] {
    return this.messages.filter(
      (m) => m.body.paymentId === paymentId && (type === undefined || m.body.type === type),
    );
  }

  /** Polls until at least `count` messages about the payment (of that type) have arrived. */
  async waitFor(
    paymentId: string,
    type: string,
    count = 1,
    timeoutMs = 20_000,
  ): Promise<InboxMessage[]> {
    return eventually(
      async () => {
        await this.poll();
        const found = this.about(paymentId, type);
        return found.length >= count ? found : undefined;
      },
      { timeoutMs, what: `${count} × ${type} for ${paymentId}` },
    );
  }
}

function parseOrEmpty(body: string | undefined): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body ?? '');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function attributeValues(
  attributes: Record<string, MessageAttributeValue> | undefined,
): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(attributes ?? {}).map(([name, value]) => [name, value.StringValue]),
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The floor's customer-api: the same wire contract and the same database work as ours, with no
 * framework (plain Fastify, mysql2, the AWS SDK, sqs-consumer). POST /payments commits the
 * payment and its outbox row in one transaction (the accepts of one event-loop turn together)
 * and answers 202; a relay claims outbox rows under a lease, publishes them in batches and
 * deletes them; a consumer of the status queue completes the payments of each received batch.
 * The bench runs it beside ours (bench/phases/floor.ts): ours / floor is the framework's cost.
 */
import type { Message } from '@aws-sdk/client-sqs';
import Fastify from 'fastify';
import type { RowDataPacket } from 'mysql2/promise';
import { Consumer } from 'sqs-consumer';
import { v7 as uuidv7 } from 'uuid';
import {
  AMOUNT_MAX,
  AMOUNT_MIN,
  encodeMessage,
  IDENTIFIER_PATTERN,
  isCurrencyCode,
  isRfc3339Timestamp,
  PAYMENT_STATUS_QUEUE,
  PaymentRecordedV1,
  PERIOD_PATTERN,
  periodOf,
  SALES_QUEUE,
  SALES_RECORDED,
} from '@app/contracts';
import {
  inTransaction,
  numberSetting,
  onStop,
  openPool,
  queueUrl,
  setting,
  sqsClient,
  TickBatch,
} from './common';
import { Relay } from './relay';

const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const pool = openPool(numberSetting('DATABASE_POOL_SIZE', 16));
const sqs = sqsClient();

interface Body {
  customerId: string;
  policyId: string;
  amount: number;
  currency: string;
  paidAt?: string;
  period?: string;
}

const bodySchema = {
  type: 'object',
  required: ['customerId', 'policyId', 'amount', 'currency'],
  additionalProperties: false,
  properties: {
    customerId: { type: 'string', pattern: IDENTIFIER_PATTERN.source },
    policyId: { type: 'string', pattern: IDENTIFIER_PATTERN.source },
    amount: { type: 'integer', minimum: AMOUNT_MIN, maximum: AMOUNT_MAX },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    paidAt: { type: 'string' },
    period: { type: 'string', pattern: PERIOD_PATTERN.source },
  },
};

const accepts = new TickBatch<{ payment: unknown[]; outbox: unknown[] }>((rows) =>
  inTransaction(pool, async (connection) => {
    await connection.query(
      'INSERT INTO `payments` (`id`, `client_id`, `customer_id`, `policy_id`, `amount`, ' +
        '`currency`, `period`, `paid_at`, `status`, `failure_code`, `failure_message`, ' +
        '`failure_attempts`, `correlation_id`, `created_at`, `updated_at`, `completed_at`) VALUES ?',
      [rows.map((r) => r.payment)],
    );
    await connection.query(
      'INSERT INTO `outbox` (`id`, `destination`, `body`, `attributes`, `attempts`, `created_at`) VALUES ?',
      [rows.map((r) => r.outbox)],
    );
  }),
);

const app = Fastify({ logger: false });

app.post('/payments', { schema: { body: bodySchema } }, async (request, reply) => {
  const body = request.body as Body;
  const now = new Date();
  const paidAt = body.paidAt === undefined ? now : new Date(body.paidAt);
  const badPaidAt =
    body.paidAt !== undefined &&
    (!isRfc3339Timestamp(body.paidAt) || paidAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS);
  if (!isCurrencyCode(body.currency) || badPaidAt) {
    return reply.code(400).send({ title: 'the request body is invalid' });
  }
  const id = uuidv7();
  const period = body.period ?? periodOf(paidAt);
  const message = Object.assign(new PaymentRecordedV1(), {
    paymentId: id,
    customerId: body.customerId,
    policyId: body.policyId,
    amount: body.amount,
    currency: body.currency,
    period,
    paidAt: paidAt.toISOString(),
    recordedAt: now.toISOString(),
  });
  const encoded = encodeMessage(message, request.id);
  await accepts.add({
    payment: [
      id,
      'anonymous',
      body.customerId,
      body.policyId,
      body.amount,
      body.currency,
      period,
      paidAt,
      'PENDING',
      null,
      null,
      null,
      request.id,
      now,
      now,
      null,
    ],
    outbox: [uuidv7(), SALES_QUEUE, encoded.body, JSON.stringify(encoded.attributes), 0, now],
  });
  relay.wake();
  const statusUrl = `/payments/${id}`;
  return reply.code(202).header('Location', statusUrl).header('Retry-After', '1').send({
    requestId: id,
    status: 'PENDING',
    statusUrl,
    customerId: body.customerId,
    policyId: body.policyId,
    amount: body.amount,
    currency: body.currency,
    period,
    paidAt: message.paidAt,
    createdAt: message.recordedAt,
  });
});

app.get<{ Params: { id: string } }>('/payments/:id', async (request, reply) => {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT * FROM `payments` WHERE `id` = ? AND `client_id` = ?',
    [request.params.id.toLowerCase(), 'anonymous'],
  );
  const p = rows[0];
  if (!p) {
    return reply.code(404).send({ title: 'payment not found' });
  }
  return {
    requestId: p.id as string,
    status: p.status as string,
    customerId: p.customer_id as string,
    policyId: p.policy_id as string,
    amount: Number(p.amount),
    currency: p.currency as string,
    period: p.period as string,
    paidAt: (p.paid_at as Date).toISOString(),
    createdAt: (p.created_at as Date).toISOString(),
    updatedAt: (p.updated_at as Date).toISOString(),
    ...(p.completed_at ? { completedAt: (p.completed_at as Date).toISOString() } : {}),
  };
});

app.get('/health/ready', (_request, reply) => reply.send({ status: 'ok' }));

const relay = new Relay(
  pool,
  sqs,
  numberSetting('OUTBOX_BATCH_SIZE', 100),
  numberSetting('OUTBOX_LEASE_MS', 30_000),
);

/** Completes the payments of one received batch of `sales.recorded`: a locking read, one UPDATE. */
async function applyStatus(messages: Message[]): Promise<Message[]> {
  const ids = messages
    .map((m) => JSON.parse(m.Body ?? '{}') as { type?: string; paymentId?: string })
    .filter((m) => m.type === SALES_RECORDED && typeof m.paymentId === 'string')
    .map((m) => (m.paymentId as string).toLowerCase());
  if (ids.length > 0) {
    await inTransaction(
      pool,
      async (connection) => {
        const [found] = await connection.query<RowDataPacket[]>(
          'SELECT `id`, `status` FROM `payments` WHERE `id` IN (?) FOR UPDATE',
          [ids],
        );
        const movable = found
          .filter((p) => p.status === 'PENDING' || p.status === 'FAILED')
          .map((p) => p.id as string);
        if (movable.length > 0) {
          const now = new Date();
          await connection.query(
            "UPDATE `payments` SET `status` = 'COMPLETED', `completed_at` = ?, `updated_at` = ?, " +
              '`failure_code` = NULL, `failure_message` = NULL, `failure_attempts` = NULL WHERE `id` IN (?)',
            [now, now, movable],
          );
        }
      },
      'READ COMMITTED',
    );
  }
  return messages;
}

async function main(): Promise<void> {
  relay.salesUrl = await queueUrl(sqs, setting('SALES_QUEUE', SALES_QUEUE));
  const statusUrl = await queueUrl(sqs, setting('PAYMENT_STATUS_QUEUE', PAYMENT_STATUS_QUEUE));
  const consumers = Array.from({ length: numberSetting('SQS_RECEIVE_LOOPS', 4) }, () =>
    Consumer.create({
      queueUrl: statusUrl,
      sqs,
      batchSize: 10,
      waitTimeSeconds: numberSetting('SQS_WAIT_TIME_SECONDS', 20),
      messageAttributeNames: ['All'],
      handleMessageBatch: applyStatus,
    }),
  );
  consumers.forEach((c) => {
    c.on('error', (err) => process.stderr.write(`status consumer: ${err.message}\n`));
    c.start();
  });
  const sweep = setInterval(() => relay.wake(), numberSetting('OUTBOX_SWEEP_INTERVAL_MS', 1_000));
  await app.listen({ port: numberSetting('PORT', 0), host: setting('HOST', '127.0.0.1') });
  onStop(async () => {
    clearInterval(sweep);
    consumers.forEach((c) => c.stop());
    await app.close();
    await pool.end();
  });
}

void main();

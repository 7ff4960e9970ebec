/**
 * The floor's sales-worker: sqs-consumer receive loops on the sales queue; each received batch
 * recorded in one transaction (the sales rows, unique on the payment id, and one upsert of the
 * monthly totals), a redelivered payment counted once (the batch falls back to one
 * transaction per message), then one SendMessageBatch of `sales.recorded`. No framework.
 */
import type { Message } from '@aws-sdk/client-sqs';
import Fastify from 'fastify';
import type { RowDataPacket } from 'mysql2/promise';
import { Consumer } from 'sqs-consumer';
import {
  encodeMessage,
  PAYMENT_RECORDED,
  PAYMENT_STATUS_QUEUE,
  SALES_QUEUE,
  SalesRecordedV1,
} from '@app/contracts';
import {
  inTransaction,
  numberSetting,
  onStop,
  openPool,
  queueUrl,
  sendAll,
  setting,
  sqsClient,
} from './common';

const pool = openPool(numberSetting('DATABASE_POOL_SIZE', 10));
const sqs = sqsClient();
let statusUrl = '';

interface Recorded {
  type?: string;
  paymentId: string;
  customerId: string;
  policyId: string;
  amount: number;
  currency: string;
  period: string;
  paidAt: string;
  recordedAt: string;
}

const INSERT_SALES =
  'INSERT INTO `sales` (`payment_id`, `customer_id`, `policy_id`, `amount`, `currency`, ' +
  '`period`, `paid_at`, `recorded_at`, `correlation_id`, `published_at`, `received_at`, ' +
  '`created_at`) VALUES ?';

/** sales-worker's statement: the batch's deltas per month and currency, in key order. */
function addToTotals(count: number): string {
  const rows = Array.from({ length: count }, (_, i) =>
    i === 0 ? 'SELECT ? AS `p`, ? AS `c`, ? AS `n`, ? AS `a`' : 'SELECT ?, ?, ?, ?',
  ).join(' UNION ALL ');
  return (
    'INSERT INTO `monthly_totals` (`period`, `currency`, `count`, `amount`) ' +
    `SELECT \`d\`.\`p\`, \`d\`.\`c\`, \`d\`.\`n\`, \`d\`.\`a\` FROM (${rows}) AS \`d\` ORDER BY \`d\`.\`p\`, \`d\`.\`c\` ` +
    'ON DUPLICATE KEY UPDATE `count` = `monthly_totals`.`count` + `d`.`n`, ' +
    '`amount` = `monthly_totals`.`amount` + `d`.`a`'
  );
}

async function insert(rows: unknown[][]): Promise<void> {
  const totals = new Map<string, [string, string, number, number]>();
  for (const row of rows) {
    const [period, currency, amount] = [row[5] as string, row[4] as string, row[3] as number];
    const total = totals.get(`${period} ${currency}`) ?? [period, currency, 0, 0];
    total[2] += 1;
    total[3] += amount;
    totals.set(`${period} ${currency}`, total);
  }
  const deltas = [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, t]) => t);
  await inTransaction(pool, async (connection) => {
    await connection.query(INSERT_SALES, [rows]);
    await connection.query(addToTotals(deltas.length), deltas.flat());
  });
}

async function handleBatch(messages: Message[]): Promise<Message[]> {
  const receivedAt = new Date();
  const createdAt = new Date();
  const rows = messages.map((m) => {
    const p = JSON.parse(m.Body ?? '{}') as Recorded;
    if (p.type !== PAYMENT_RECORDED) {
      throw new Error(`unexpected message ${m.MessageId}`);
    }
    const sent = Number(m.Attributes?.SentTimestamp);
    return [
      p.paymentId.toLowerCase(),
      p.customerId,
      p.policyId,
      p.amount,
      p.currency,
      p.period,
      new Date(p.paidAt),
      new Date(p.recordedAt),
      m.MessageAttributes?.correlationId?.StringValue ?? null,
      sent > 0 ? new Date(sent) : null,
      receivedAt,
      createdAt,
    ];
  });
  try {
    await insert(rows);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ER_DUP_ENTRY') {
      throw err;
    }
    // A redelivered payment among them: each alone; the one counted before changes nothing.
    for (const row of rows) {
      await insert([row]).catch((e: unknown) => {
        if ((e as { code?: string }).code !== 'ER_DUP_ENTRY') {
          throw e;
        }
      });
    }
  }
  await sendAll(
    sqs,
    statusUrl,
    messages.map((m, i) =>
      encodeMessage(
        Object.assign(new SalesRecordedV1(), {
          paymentId: rows[i][0] as string,
          recordedAt: createdAt.toISOString(),
        }),
        m.MessageAttributes?.correlationId?.StringValue,
      ),
    ),
  );
  return messages;
}

const app = Fastify({ logger: false });
app.get('/health/ready', (_request, reply) => reply.send({ status: 'ok' }));
app.get<{ Querystring: { period: string } }>('/sales', async (request) => {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT `currency`, `count`, CAST(`amount` AS CHAR) AS `amount` FROM `monthly_totals` ' +
      'WHERE `period` = ? ORDER BY `currency`',
    [request.query.period],
  );
  return { period: request.query.period, totals: rows };
});

async function main(): Promise<void> {
  statusUrl = await queueUrl(sqs, setting('PAYMENT_STATUS_QUEUE', PAYMENT_STATUS_QUEUE));
  const salesUrl = await queueUrl(sqs, setting('SALES_QUEUE', SALES_QUEUE));
  const consumers = Array.from({ length: numberSetting('SQS_RECEIVE_LOOPS', 4) }, () =>
    Consumer.create({
      queueUrl: salesUrl,
      sqs,
      batchSize: numberSetting('WORKER_BATCH_SIZE', 10),
      waitTimeSeconds: numberSetting('SQS_WAIT_TIME_SECONDS', 20),
      messageAttributeNames: ['All'],
      messageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      handleMessageBatch: handleBatch,
    }),
  );
  consumers.forEach((c) => {
    c.on('error', (err) => process.stderr.write(`sales consumer: ${err.message}\n`));
    c.start();
  });
  await app.listen({ port: numberSetting('PORT', 0), host: setting('HOST', '127.0.0.1') });
  onStop(async () => {
    consumers.forEach((c) => c.stop());
    await app.close();
    await pool.end();
  });
}

void main();

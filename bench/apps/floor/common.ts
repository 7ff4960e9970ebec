/**
 * What both floor apps share: settings from the environment (the apps' own names), a mysql2
 * pool, an SQS client, batched sends, transactions and per-tick batching. No framework.
 */
import { GetQueueUrlCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createPool, Pool, PoolConnection } from 'mysql2/promise';
import type { EncodedMessage } from '@app/contracts';

export function setting(name: string, fallback: string): string {
  return process.env[name] ?? fallback;
}

export function numberSetting(name: string, fallback: number): number {
  return Number(process.env[name] ?? fallback);
}

export function openPool(connections: number): Pool {
  // The apps take `mariadb://`; mysql2 wants `mysql://`.
  const uri = setting('DATABASE_URL', '').replace(/^mariadb:/, 'mysql:');
  return createPool({ uri, connectionLimit: connections, maxIdle: connections, timezone: 'Z' });
}

export function sqsClient(): SQSClient {
  return new SQSClient({
    region: setting('AWS_REGION', 'us-east-1'),
    endpoint: process.env.SQS_ENDPOINT,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
}

export async function queueUrl(sqs: SQSClient, name: string): Promise<string> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  if (!QueueUrl) {
    throw new Error(`no queue ${name}`);
  }
  return QueueUrl;
}

/** SendMessageBatch in chunks of 10, in parallel; throws unless SQS took every message. */
export async function sendAll(
  sqs: SQSClient,
  url: string,
  messages: EncodedMessage[],
): Promise<void> {
  const chunks: EncodedMessage[][] = [];
  for (let i = 0; i < messages.length; i += 10) {
    chunks.push(messages.slice(i, i + 10));
  }
  await Promise.all(
    chunks.map(async (chunk) => {
      const result = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: chunk.map((m, i) => ({
            Id: String(i),
            MessageBody: m.body,
            MessageAttributes: m.attributes,
          })),
        }),
      );
      if (result.Failed?.length) {
        throw new Error(`SQS refused ${result.Failed.length} messages`);
      }
    }),
  );
}

export async function inTransaction<T>(
  pool: Pool,
  work: (connection: PoolConnection) => Promise<T>,
  isolation?: 'READ COMMITTED',
): Promise<T> {
  const connection = await pool.getConnection();
  try {
    if (isolation) {
      await connection.query(`SET TRANSACTION ISOLATION LEVEL ${isolation}`);
    }
    await connection.query('START TRANSACTION');
    const result = await work(connection);
    await connection.query('COMMIT');
    return result;
  } catch (err) {
    await connection.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    connection.release();
  }
}

/** The items added in one turn of the event loop, handled together; each caller gets its own. */
export class TickBatch<T> {
  private items: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];

  constructor(private readonly handle: (items: T[]) => Promise<void>) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.items.length === 0) {
        setImmediate(() => void this.flush());
      }
      this.items.push({ item, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const items = this.items;
    this.items = [];
    try {
      await this.handle(items.map((i) => i.item));
      items.forEach((i) => i.resolve());
    } catch (err) {
      items.forEach((i) => i.reject(err));
    }
  }
}

/** Stops on SIGTERM/SIGINT: `stop` first (consumers, server), then exit. */
export function onStop(stop: () => Promise<void>): void {
  const handler = () => {
    stop()
      .catch((err: unknown) => process.stderr.write(`stop failed: ${String(err)}\n`))
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

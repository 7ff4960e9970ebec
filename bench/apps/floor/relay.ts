import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { EncodedMessage } from '@app/contracts';
import { inTransaction, sendAll } from './common';

/** Claims a batch under a lease (committed before SQS is called), publishes it, deletes it. */
export class Relay {
  private readonly owner = randomUUID();
  private running = false;
  private again = false;
  salesUrl = '';

  constructor(
    private readonly pool: Pool,
    private readonly sqs: SQSClient,
    private readonly batchSize: number,
    private readonly leaseMs: number,
  ) {}

  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        while ((await this.publishOnce()) === this.batchSize) {
          // a full batch: there may be more
        }
      } while (this.again);
    } catch (err) {
      process.stderr.write(`relay: ${String(err)}\n`);
    } finally {
      this.running = false;
    }
  }

  private async publishOnce(): Promise<number> {
    const now = new Date();
    const rows = await inTransaction(
      this.pool,
      async (connection) => {
        const [found] = await connection.query<RowDataPacket[]>(
          'SELECT `id`, `body`, `attributes` FROM `outbox` WHERE `parked_at` IS NULL AND ' +
            '(`lease_until` IS NULL OR `lease_until` <= ?) ORDER BY `id` LIMIT ? FOR UPDATE SKIP LOCKED',
          [now, this.batchSize],
        );
        if (found.length > 0) {
          await connection.query(
            'UPDATE `outbox` SET `lease_owner` = ?, `lease_until` = ? WHERE `id` IN (?)',
            [this.owner, new Date(now.getTime() + this.leaseMs), found.map((r) => r.id as string)],
          );
        }
        return found;
      },
      'READ COMMITTED',
    );
    if (rows.length === 0) {
      return 0;
    }
    await sendAll(
      this.sqs,
      this.salesUrl,
      rows.map((r) => ({
        body: r.body as string,
        attributes: JSON.parse(r.attributes as string) as EncodedMessage['attributes'],
      })),
    );
    await this.pool.query('DELETE FROM `outbox` WHERE `id` IN (?)', [
      rows.map((r) => r.id as string),
    ]);
    return rows.length;
  }
}

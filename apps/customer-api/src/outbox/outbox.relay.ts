import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Histogram } from 'prom-client';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { CustomerApiEnvironment } from '../config/environment';
import { MessagePublisher } from './message.publisher';
import { OutboxMessage } from './outbox-message.entity';

const MIN_BACKOFF_MS = 100;
/**
 * A failed publish is retried at most this long after the last: commits do not wake a relay
 * that is backing off, so this is also how late the outbox can start emptying once SQS is back
 * (30 s before the fault suite's SQS outage showed it; a try costs one refused connection).
 */
const MAX_BACKOFF_MS = 5_000;

/**
 * Publishes committed outbox rows to their queues and deletes them. Woken after each commit for
 * low latency, and sweeping on a timer for whatever a crash or an SQS outage left behind.
 *
 * On MySQL, rows are claimed with `SELECT … FOR UPDATE SKIP LOCKED` inside a transaction that
 * lasts until they are deleted, so several replicas publish disjoint rows. A crash between
 * publishing and committing the delete publishes those rows again: consumers are idempotent.
 * SQLite is single-process: one relay loop per process is the claim.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly skipLocked: boolean;
  private running = false;
  private wakeRequested = false;
  /** Consecutive failed drains; the retry delay doubles with each. */
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(OutboxMessage) private readonly outbox: Repository<OutboxMessage>,
    private readonly publisher: MessagePublisher,
    private readonly env: CustomerApiEnvironment,
    @InjectMetric('outbox_publish_latency_seconds')
    private readonly publishLatency: Histogram<string>,
  ) {
    this.skipLocked = ['mysql', 'mariadb'].includes(dataSource.options.type);
  }

  onApplicationBootstrap(): void {
    this.sweepTimer = setInterval(() => this.wake(), this.env.OUTBOX_SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
    this.wake();
  }

  /** Flushes what is committed before the database closes; the rest waits for the next start. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.retryTimer);
    await this.idle;
    if (this.failures === 0) {
      await this.drain().catch(() => undefined);
    }
  }

  /** Asks for a drain soon; calls while one runs are folded into one more pass. */
  wake(): void {
    if (this.stopped || this.retryTimer) {
      return; // stopping, or backing off after a failure: the retry timer drains next
    }
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    this.running = true;
    this.idle = this.run();
  }

  /** Backlog for metrics and tests: rows committed and not yet published. */
  async backlog(): Promise<number> {
    return this.outbox.count();
  }

  private async run(): Promise<void> {
    try {
      do {
        this.wakeRequested = false;
        await this.drain();
      } while (this.wakeRequested && !this.stopped);
      this.failures = 0;
    } catch (err) {
      this.failures += 1;
      const delayMs = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (this.failures - 1));
      this.logger.warn({ err, retryInMs: delayMs }, 'outbox publish failed; will retry');
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.wake();
      }, delayMs);
    } finally {
      this.running = false;
    }
  }

  /** Publishes batches until the outbox is empty; throws when a batch could not be published. */
  private async drain(): Promise<void> {
    for (;;) {
      const { claimed, error } = this.skipLocked
        ? // READ COMMITTED: the claim locks only the rows it returns. Under REPEATABLE READ the
          // locking read also locks the gap after the newest row, so every accept's outbox
          // INSERT waited for this transaction, SQS round trip included (bench/, phase 2).
          await this.dataSource.transaction('READ COMMITTED', (manager) =>
            this.publishBatch(manager, true),
          )
        : await this.publishBatch(this.dataSource.manager, false);
      if (error !== undefined) {
        throw error;
      }
      if (claimed < this.env.OUTBOX_BATCH_SIZE) {
        return;
      }
    }
  }

  /**
   * Publishes one batch and deletes what SQS accepted. Failures are returned, not thrown, so the
   * deletes of the rows that did go out still commit.
   */
  private async publishBatch(
    manager: EntityManager,
    lock: boolean,
  ): Promise<{ claimed: number; error?: Error }> {
    const query = manager
      .getRepository(OutboxMessage)
      .createQueryBuilder('o')
      .orderBy('o.id', 'ASC')
      .limit(this.env.OUTBOX_BATCH_SIZE);
    if (lock) {
      query.setLock('pessimistic_write').setOnLocked('skip_locked');
    }
    const rows = await query.getMany();
    if (rows.length === 0) {
      return { claimed: 0 };
    }
    const byDestination = new Map<string, OutboxMessage[]>();
    for (const row of rows) {
      byDestination.set(row.destination, [...(byDestination.get(row.destination) ?? []), row]);
    }
    const failed = new Set<string>();
    let error: Error | undefined;
    for (const [destination, group] of byDestination) {
      const result = await this.publisher.publish(
        destination,
        group.map((row) => ({
          id: row.id,
          message: {
            body: row.body,
            attributes: JSON.parse(row.attributes) as Record<string, MessageAttributeValue>,
          },
        })),
      );
      result.failedIds.forEach((id) => failed.add(id));
      error ??= result.firstError;
    }
    const sent = rows.filter((row) => !failed.has(row.id));
    if (sent.length > 0) {
      await manager.delete(OutboxMessage, { id: In(sent.map((row) => row.id)) });
      const now = Date.now();
      sent.forEach((row) => this.publishLatency.observe((now - row.createdAt.getTime()) / 1000));
    }
    if (failed.size > 0) {
      await manager.increment(OutboxMessage, { id: In([...failed]) }, 'attempts', 1);
      error ??= new Error(`${failed.size} outbox messages were not accepted`);
    }
    return { claimed: rows.length, error };
  }
}

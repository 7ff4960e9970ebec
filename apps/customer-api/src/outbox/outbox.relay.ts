import { randomUUID } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Histogram } from 'prom-client';
import type { PublishEntry } from '@app/messaging/message-publisher';
import { ShutdownFlush } from '@app/platform/service-lifecycle';
import { withTraceAttributes } from '@app/telemetry/sqs-carrier';
import { outsideAnyTrace } from '@app/telemetry/trace-context';
import { CustomerApiEnvironment } from '../config/environment';
import { OutboxPublisher } from './outbox.publisher';
import { OutboxLeases } from './outbox-leases';
import { OutboxMessage } from './outbox-message.entity';

const MIN_BACKOFF_MS = 100;
/**
 * A failed publish is retried at most this long after the last: commits do not wake a relay
 * that is backing off, so this is also how late the outbox can start emptying once SQS is back
 * (30 s before the fault suite's SQS outage showed it; a try costs one refused connection).
 */
const MAX_BACKOFF_MS = 5_000;
/** A publish is abandoned at this share of its lease, so it never outlives the claim. */
const PUBLISH_SHARE_OF_LEASE = 0.8;

/** What became of the rows of one claim. */
interface Settled {
  /** Not published for a reason outside the messages (SQS down, a timeout): back off. */
  transientError?: Error;
}

/**
 * Publishes committed outbox rows to their queues and deletes them. Woken after each commit for
 * low latency, and sweeping on a timer for whatever a crash or an SQS outage left behind.
 *
 * Rows are claimed with a lease (OutboxLeases) committed before SQS is called, so no
 * transaction is open across the network and several replicas publish disjoint rows. A crash
 * between publishing and deleting publishes those rows again once the lease runs out:
 * consumers are idempotent. A row SQS refuses is retried with a growing delay, off the path of
 * the rows behind it, and parked after OUTBOX_MAX_ATTEMPTS refusals.
 */
@Injectable()
export class OutboxRelay
  implements OnApplicationBootstrap, BeforeApplicationShutdown, ShutdownFlush
{
  private readonly logger = new Logger(OutboxRelay.name);
  /** This relay's lease owner id. */
  private readonly owner = randomUUID();
  /** Aborts the SQS calls in progress when the shutdown's flush budget is spent. */
  private readonly aborting = new AbortController();
  private running = false;
  private wakeRequested = false;
  /** Consecutive failed drains; the retry delay doubles with each. */
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly leases: OutboxLeases,
    private readonly publisher: OutboxPublisher,
    private readonly env: CustomerApiEnvironment,
    @InjectMetric('outbox_publish_latency_seconds')
    private readonly publishLatency: Histogram<string>,
  ) {}

  onApplicationBootstrap(): void {
    this.sweepTimer = setInterval(() => this.wake(), this.env.OUTBOX_SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
    this.wake();
  }

  /**
   * The shutdown's flush step, run once HTTP is closed: publishes what the last requests
   * committed, within `budgetMs`; what is left waits for another replica or the next start.
   */
  async flush(budgetMs: number): Promise<void> {
    this.stop();
    const timer = setTimeout(() => this.aborting.abort(), budgetMs);
    try {
      await this.idle;
      await this.drain();
    } catch (err) {
      this.logger.warn({ err }, 'outbox flush incomplete; the rest is published after restart');
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the timers and any SQS call in progress (the flush, when it runs, came first). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stop();
    this.aborting.abort();
    await this.idle;
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
    // TELEMETRY HOOK: a commit wakes the relay inside its request; the drain is no request's.
    this.idle = outsideAnyTrace(() => this.run());
  }

  private stop(): void {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.retryTimer);
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
      if (!this.stopped) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.wake();
        }, delayMs);
      }
    } finally {
      this.running = false;
    }
  }

  /** Publishes claims until nothing is claimable; throws when SQS could not be reached. */
  private async drain(): Promise<void> {
    for (;;) {
      if (this.aborting.signal.aborted) {
        return;
      }
      const rows = await this.leases.claim(
        this.owner,
        this.env.OUTBOX_BATCH_SIZE,
        this.env.OUTBOX_LEASE_MS,
      );
      if (rows.length === 0) {
        return;
      }
      const { transientError } = await this.publishClaimed(rows);
      if (transientError) {
        throw transientError;
      }
      if (rows.length < this.env.OUTBOX_BATCH_SIZE) {
        return;
      }
    }
  }

  /** Publishes claimed rows, outside any transaction, and settles each: sent, refused or not. */
  private async publishClaimed(rows: OutboxMessage[]): Promise<Settled> {
    const byDestination = new Map<string, OutboxMessage[]>();
    for (const row of rows) {
      byDestination.set(row.destination, [...(byDestination.get(row.destination) ?? []), row]);
    }
    const signal = AbortSignal.any([
      this.aborting.signal,
      AbortSignal.timeout(this.env.OUTBOX_LEASE_MS * PUBLISH_SHARE_OF_LEASE),
    ]);
    const failed = new Set<string>();
    const refused = new Map<string, string>();
    let firstError: Error | undefined;
    for (const [destination, group] of byDestination) {
      const result = await this.publisher.publish(destination, group.map(entryOf), signal);
      result.failedIds.forEach((id) => failed.add(id));
      result.refused.forEach((reason, id) => refused.set(id, reason));
      firstError ??= result.firstError;
    }
    const sent = rows.filter((row) => !failed.has(row.id));
    await this.leases.remove(sent.map((row) => row.id));
    const now = Date.now();
    sent.forEach((row) => this.publishLatency.observe((now - row.createdAt.getTime()) / 1000));

    const refusedRows = rows.filter((row) => refused.has(row.id));
    if (refusedRows.length > 0) {
      await this.refuse(refusedRows, refused);
    }
    const notSent = rows.filter((row) => failed.has(row.id) && !refused.has(row.id));
    if (notSent.length === 0) {
      return {};
    }
    // Claimable again at once (by any replica): the relay's own backoff paces the retry.
    await this.leases.release(
      this.owner,
      notSent.map((row) => row.id),
    );
    return {
      transientError: firstError ?? new Error(`${notSent.length} outbox messages not accepted`),
    };
  }

  private async refuse(rows: OutboxMessage[], reasons: Map<string, string>): Promise<void> {
    const max = this.env.OUTBOX_MAX_ATTEMPTS;
    await this.leases.refuse(
      this.owner,
      rows.map((row) => ({ row, reason: reasons.get(row.id) ?? 'refused' })),
      max,
    );
    for (const row of rows) {
      const fields = {
        outboxId: row.id,
        destination: row.destination,
        attempts: row.attempts + 1,
        reason: reasons.get(row.id),
      };
      if (row.attempts + 1 >= max) {
        this.logger.error(fields, 'outbox message parked: SQS keeps refusing it (npm run outbox)');
      } else {
        this.logger.warn(fields, 'SQS refused an outbox message; it will be tried again');
      }
    }
  }
}

function entryOf(row: OutboxMessage): PublishEntry {
  return {
    id: row.id,
    message: {
      body: row.body,
      // TELEMETRY HOOK: the stored trace context goes with the message.
      attributes: withTraceAttributes(
        JSON.parse(row.attributes) as Record<string, MessageAttributeValue>,
        row.traceParent,
        row.traceState,
      ),
    },
  };
}

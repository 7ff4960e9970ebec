import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CustomerApiEnvironment } from '../config/environment';
import { Payment } from './payment.entity';

/** Ids per status query: well under every driver's limit on bound parameters. */
const CHECK_CHUNK = 500;

type Wake = () => void;

/**
 * Long-poll waits for payments to leave PENDING. A wait is a promise, a timer and a closure in a
 * map: thousands cost little. Two things end one early:
 *
 * - `wake(id)`, when this replica applies a status: at once, no query;
 * - one shared check, scheduled only while someone waits, that asks the database every
 *   LONG_POLL_CHECK_INTERVAL_MS which of all waited ids left PENDING, in one query per 500 ids:
 *   another replica may have applied the status, and nothing else would tell this one.
 *
 * On shutdown every wait ends at once, so each request is answered with the current view before
 * the HTTP server closes.
 */
@Injectable()
export class StatusWaiters implements OnModuleDestroy {
  private readonly logger = new Logger(StatusWaiters.name);
  private readonly waiting = new Map<string, Set<Wake>>();
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    @InjectRepository(Payment) private readonly payments: Repository<Payment>,
    private readonly env: CustomerApiEnvironment,
  ) {}

  /** How many waits are held now. */
  get size(): number {
    let n = 0;
    for (const set of this.waiting.values()) {
      n += set.size;
    }
    return n;
  }

  /**
   * Resolves when payment `id` may have left PENDING, after `ms`, when `signal` aborts (the
   * client went away) or at shutdown, whichever comes first. The caller reads the payment again.
   */
  until(id: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || ms <= 0 || signal?.aborted) {
      return Promise.resolve();
    }
    const key = id.toLowerCase();
    return new Promise<void>((resolve) => {
      let waiters = this.waiting.get(key);
      if (!waiters) {
        waiters = new Set();
        this.waiting.set(key, waiters);
      }
      const set = waiters;
      const done: Wake = () => {
        clearTimeout(timeout);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0 && this.waiting.get(key) === set) {
          this.waiting.delete(key);
        }
        resolve();
      };
      const timeout = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
      this.schedule();
    });
  }

  /** Ends the waits on payment `id`: its status was just applied here. */
  wake(id: string): void {
    for (const done of [...(this.waiting.get(id.toLowerCase()) ?? [])]) {
      done();
    }
  }

  onModuleDestroy(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const set of [...this.waiting.values()]) {
      for (const done of [...set]) {
        done();
      }
    }
  }

  private schedule(): void {
    if (this.timer === undefined && !this.closed && this.waiting.size > 0) {
      this.timer = setTimeout(() => void this.check(), this.env.LONG_POLL_CHECK_INTERVAL_MS);
    }
  }

  private async check(): Promise<void> {
    try {
      const ids = [...this.waiting.keys()];
      for (let i = 0; i < ids.length && !this.closed; i += CHECK_CHUNK) {
        const settled = await this.payments
          .createQueryBuilder('payment')
          .select('payment.id', 'id')
          .where('payment.id IN (:...ids)', { ids: ids.slice(i, i + CHECK_CHUNK) })
          .andWhere("payment.status <> 'PENDING'")
          .getRawMany<{ id: string }>();
        for (const { id } of settled) {
          this.wake(id);
        }
      }
    } catch (err) {
      // The database is down: the waits end on their own timers, the next check tries again.
      this.logger.warn({ err }, 'long-poll status check failed');
    } finally {
      this.timer = undefined;
      this.schedule();
    }
  }
}

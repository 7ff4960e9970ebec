import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Not, Repository } from 'typeorm';
import { CustomerApiEnvironment } from '../config/environment';
import { Payment } from './payment.entity';

/** Ids per status query: well under every driver's limit on bound parameters. */
const CHECK_CHUNK = 500;

/** Ends one wait, with the payment when the check read it settled. */
type Wake = (settled?: Payment) => void;

/**
 * Long-poll waits for payments to leave PENDING. A wait is a promise, a timer and a closure in a
 * map: thousands cost little. Two things end one early:
 *
 * - `wake(id)`, when this replica applies a status: the check below runs at once;
 * - one shared check, scheduled only while someone waits, that asks the database every
 *   LONG_POLL_CHECK_INTERVAL_MS which of all waited ids left PENDING, in one query per 500 ids, and hands
 *   each settled payment, as read, to its waits:
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
  private checkingNow = false;
  private checking = false;

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
  until(id: string, ms: number, signal?: AbortSignal): Promise<Payment | undefined> {
    if (this.closed || ms <= 0 || signal?.aborted) {
      return Promise.resolve(undefined);
    }
    const key = id.toLowerCase();
    return new Promise<Payment | undefined>((resolve) => {
      let waiters = this.waiting.get(key);
      if (!waiters) {
        waiters = new Set();
        this.waiting.set(key, waiters);
      }
      const set = waiters;
      const done: Wake = (settled) => {
        clearTimeout(timeout);
        signal?.removeEventListener('abort', aborted);
        set.delete(done);
        if (set.size === 0 && this.waiting.get(key) === set) {
          this.waiting.delete(key);
        }
        resolve(settled);
      };
      const timeout = setTimeout(() => done(), ms);
      const aborted = () => done();
      signal?.addEventListener('abort', aborted, { once: true });
      set.add(done);
      this.schedule();
    });
  }

  /**
   * Payment `id`'s status was just applied here: check now instead of at the next tick, so its
   * waits end after one query (the same one serves every id woken meanwhile).
   */
  wake(id: string): void {
    if (this.waiting.has(id.toLowerCase()) && !this.checkingNow) {
      this.checkingNow = true;
      setImmediate(() => {
        this.checkingNow = false;
        clearTimeout(this.timer);
        this.timer = undefined;
        void this.check();
      });
    }
  }

  private end(id: string, settled?: Payment): void {
    for (const done of [...(this.waiting.get(id.toLowerCase()) ?? [])]) {
      done(settled);
    }
  }

  onModuleDestroy(): void {
    this.releaseAll();
  }

  /** Shutdown: every wait ends now, and new ones answer at once. */
  releaseAll(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const id of [...this.waiting.keys()]) {
      this.end(id);
    }
  }

  private schedule(): void {
    if (this.timer === undefined && !this.closed && this.waiting.size > 0) {
      this.timer = setTimeout(() => void this.check(), this.env.LONG_POLL_CHECK_INTERVAL_MS);
    }
  }

  /** Reads the waited payments that left PENDING, whole, and hands each to its waits. */
  private async check(): Promise<void> {
    if (this.checking) {
      return;
    }
    this.checking = true;
    try {
      const ids = [...this.waiting.keys()];
      for (let i = 0; i < ids.length && !this.closed; i += CHECK_CHUNK) {
        const settled = await this.payments.find({
          where: { id: In(ids.slice(i, i + CHECK_CHUNK)), status: Not('PENDING') },
        });
        for (const payment of settled) {
          this.end(payment.id, payment);
        }
      }
    } catch (err) {
      // The database is down: the waits end on their own timers, the next check tries again.
      this.logger.warn({ err }, 'long-poll status check failed');
    } finally {
      this.checking = false;
      this.timer = undefined;
      this.schedule();
    }
  }
}

import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { DateUtils } from 'typeorm/util/DateUtils';
import { isDuplicateKeyError } from '@app/platform/database-errors';
import { CustomerApiEnvironment } from '../config/environment';
import { IdempotencyKey } from './idempotency-key.entity';
import { IdempotencyKeyInFlightError, IdempotencyKeyReusedError } from './payment.errors';

/**
 * A key whose request's deadline passed is taken over only this much later: room for the clocks
 * of two replicas to disagree. The compare-and-set keeps a takeover safe whatever the clocks.
 */
const TAKEOVER_MARGIN_MS = 1_000;
/** Expired keys deleted per statement, and statements per sweep: short locks, bounded work. */
const SWEEP_BATCH = 500;
const SWEEP_MAX_BATCHES = 20;

export type KeyClaim = { claimed: IdempotencyKey } | { replay: string };

/**
 * The Idempotency-Key lifecycle (IETF httpapi draft): claim a key for a request, replay or
 * refuse a second use, complete it with the request's commit, release it on failure, and delete
 * keys past their retention.
 *
 * A claim is a lease that ends at the request's deadline (REQUEST_DEADLINE_MS): a key still
 * IN_FLIGHT after it belongs to a request that died (its process killed, its connection lost)
 * or is stuck, and the next request with the key takes it over. The takeover and the first
 * request's commit both compare-and-set the claim, so exactly one of them commits.
 */
@Injectable()
export class IdempotencyKeysService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(IdempotencyKeysService.name);
  private sweepTimer?: NodeJS.Timeout;
  private sweeping: Promise<void> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(IdempotencyKey) private readonly keys: Repository<IdempotencyKey>,
    private readonly env: CustomerApiEnvironment,
  ) {}

  onApplicationBootstrap(): void {
    this.sweepTimer = setInterval(() => {
      this.sweeping = this.sweep().then(
        () => undefined,
        (err: unknown) => this.logger.warn({ err }, 'could not delete expired idempotency keys'),
      );
    }, this.env.IDEMPOTENCY_SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.sweeping;
  }

  /**
   * Takes the key for this request, or says what to answer instead: a replay of the payment it
   * created, 422 for another body, 409 while its first request may still be running.
   */
  async claim(clientId: string, key: string, fingerprint: string, now: Date): Promise<KeyClaim> {
    const fresh = this.keys.create({
      clientId,
      key,
      fingerprint,
      state: 'IN_FLIGHT',
      paymentId: null,
      lockedUntil: new Date(now.getTime() + this.env.REQUEST_DEADLINE_MS),
      expiresAt: new Date(now.getTime() + this.env.IDEMPOTENCY_TTL_SECONDS * 1000),
    });
    try {
      await this.keys.insert(fresh);
      return { claimed: fresh };
    } catch (err) {
      if (!isDuplicateKeyError(err)) {
        throw err;
      }
    }
    const existing = await this.keys.findOneBy({ clientId, key });
    if (!existing) {
      // Released by a failed first request a moment ago: the client may simply retry.
      throw new IdempotencyKeyInFlightError(1);
    }
    const expired = existing.expiresAt.getTime() <= now.getTime();
    if (!expired && existing.fingerprint !== fingerprint) {
      throw new IdempotencyKeyReusedError();
    }
    if (!expired && existing.state === 'COMPLETED' && existing.paymentId) {
      return { replay: existing.paymentId };
    }
    const takeoverAt = existing.lockedUntil.getTime() + TAKEOVER_MARGIN_MS;
    const abandoned = existing.state === 'IN_FLIGHT' && takeoverAt <= now.getTime();
    if (expired || abandoned) {
      // Take the key over only if nobody else did meanwhile (compare-and-set on lockedUntil).
      const result = await this.keys.update(
        { clientId, key, state: existing.state, lockedUntil: existing.lockedUntil },
        {
          fingerprint,
          state: 'IN_FLIGHT',
          paymentId: null,
          lockedUntil: fresh.lockedUntil,
          expiresAt: fresh.expiresAt,
        },
      );
      if (result.affected === 1) {
        return { claimed: fresh };
      }
    }
    const waitMs = takeoverAt - now.getTime();
    throw new IdempotencyKeyInFlightError(Math.max(1, Math.min(60, Math.ceil(waitMs / 1000))));
  }

  /**
   * Binds the key to the payment, in the transaction that commits the payment. Refuses when
   * another request took the key over (after this one's deadline): the transaction rolls back.
   * A request merely slower than its deadline still commits if nobody took its key: answering
   * 409 about itself would help no one.
   */
  async complete(
    manager: EntityManager,
    claimed: IdempotencyKey,
    paymentId: string,
  ): Promise<void> {
    const result = await manager.update(
      IdempotencyKey,
      {
        clientId: claimed.clientId,
        key: claimed.key,
        state: 'IN_FLIGHT',
        lockedUntil: claimed.lockedUntil,
      },
      { state: 'COMPLETED', paymentId },
    );
    if (result.affected !== 1) {
      // Another request took the key over: roll back, it answers instead.
      throw new IdempotencyKeyInFlightError(1);
    }
  }

  /** The request failed before committing: the key is free at once for a retry. */
  async release(claimed: IdempotencyKey): Promise<void> {
    await this.keys
      .delete({
        clientId: claimed.clientId,
        key: claimed.key,
        state: 'IN_FLIGHT',
        lockedUntil: claimed.lockedUntil,
      })
      .catch((err: unknown) =>
        this.logger.warn({ err }, 'could not release an idempotency key; it is taken over later'),
      );
  }

  /**
   * Deletes keys past their retention, SWEEP_BATCH at a time by the expiry index, each batch
   * its own short statement, so accepts never wait long behind it. Answers how many went.
   */
  async sweep(now = new Date()): Promise<number> {
    let deleted = 0;
    for (let batch = 0; batch < SWEEP_MAX_BATCHES; batch += 1) {
      const affected = await this.deleteExpired(now);
      deleted += affected;
      if (affected < SWEEP_BATCH) {
        break;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (deleted > 0) {
      this.logger.log({ deleted }, 'expired idempotency keys deleted');
    }
    return deleted;
  }

  private async deleteExpired(now: Date): Promise<number> {
    const sqlite = this.dataSource.options.type === 'better-sqlite3';
    const sql = sqlite
      ? // SQLite builds without DELETE … LIMIT: a bounded subquery by rowid instead.
        'DELETE FROM idempotency_keys WHERE rowid IN ' +
        '(SELECT rowid FROM idempotency_keys WHERE expires_at < ? LIMIT ?)'
      : 'DELETE FROM idempotency_keys WHERE expires_at < ? ORDER BY expires_at LIMIT ?';
    const runner = this.dataSource.createQueryRunner();
    try {
      // SQLite stores datetimes as UTC text; the raw driver binds no Date.
      const at: unknown = sqlite ? DateUtils.mixedDateToUtcDatetimeString(now) : now;
      const result = (await runner.query(sql, [at, SWEEP_BATCH], true)) as { affected?: number };
      return result.affected ?? 0;
    } finally {
      await runner.release();
    }
  }
}

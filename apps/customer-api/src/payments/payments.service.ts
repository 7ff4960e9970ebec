import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import {
  encodeMessage,
  PaymentRecordedV1,
  PaymentStatusMessage,
  periodOf,
  SALES_QUEUE,
  SALES_RECORDED,
  SalesRecordedV1,
} from '@app/contracts';
import { TickBatcher } from '@app/messaging';
import {
  InvalidInputError,
  isDuplicateKeyError,
  isTransientDatabaseError,
  transaction,
} from '@app/platform';
import { CustomerApiEnvironment } from '../config/environment';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { OutboxRelay } from '../outbox/outbox.relay';
import { CreatePaymentDto } from './dto/create-payment.dto';
import { IdempotencyKey } from './idempotency-key.entity';
import { Payment } from './payment.entity';
import {
  IdempotencyKeyInFlightError,
  IdempotencyKeyReusedError,
  PaymentNotFoundError,
} from './payment.errors';

/** How far in the future paidAt may be. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** The earliest paidAt accepted: DATETIME and the periods before it make no sense here. */
const EARLIEST_PAID_AT = Date.UTC(1970, 0, 1);
/** How long a request holds its Idempotency-Key before another may take it over. */
const IDEMPOTENCY_LOCK_MS = 30_000;

export interface PaymentRequest {
  /** Who asks: the API key's name, or `anonymous` when the API runs open. */
  clientId: string;
  correlationId: string;
  idempotencyKey?: string;
  body: CreatePaymentDto;
}

export interface AcceptedPayment {
  payment: Payment;
  /** True when an Idempotency-Key replayed an earlier answer. */
  replayed: boolean;
}

export interface StatusOutcome {
  result: 'completed' | 'failed' | 'unchanged' | 'unknown-payment';
  /** For a payment just completed: when it was accepted, and now. */
  createdAt?: Date;
  completedAt?: Date;
}

type KeyClaim = { claimed: IdempotencyKey } | { replay: string };

/** Tries of a batch of accepts that InnoDB rolled back as a deadlock victim. */
const ACCEPT_DEADLOCK_ATTEMPTS = 2;

function isDeadlock(err: unknown): boolean {
  const { code, driverError } = (err ?? {}) as { code?: unknown; driverError?: { code?: unknown } };
  return (driverError?.code ?? code) === 'ER_LOCK_DEADLOCK';
}

/** What one accept commits: the payment and the message announcing it. */
interface AcceptedRows {
  payment: Payment;
  outbox: OutboxMessage;
}

/** What COMPLETED sets: a payment FAILED before and recorded after all loses its failure. */
function completion(now: Date): Partial<Payment> {
  return {
    status: 'COMPLETED',
    completedAt: now,
    updatedAt: now,
    failureCode: null,
    failureMessage: null,
    failureAttempts: null,
  };
}

/** The same body, whatever its key order: what an Idempotency-Key is bound to. */
export function fingerprintOf(body: CreatePaymentDto): string {
  const canonical = JSON.stringify([
    body.customerId,
    body.policyId,
    body.amount,
    body.currency,
    body.paidAt ?? null,
    body.period ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

function resolvePaidAt(given: string | undefined, now: Date): Date {
  if (given === undefined) {
    return now;
  }
  const paidAt = new Date(given);
  const time = paidAt.getTime();
  if (Number.isNaN(time) || time < EARLIEST_PAID_AT) {
    throw new InvalidInputError('the request body is invalid', [
      { field: 'paidAt', message: 'paidAt must be a valid RFC 3339 timestamp after 1970-01-01' },
    ]);
  }
  if (time > now.getTime() + MAX_CLOCK_SKEW_MS) {
    throw new InvalidInputError('the request body is invalid', [
      { field: 'paidAt', message: 'paidAt must not be more than 5 minutes in the future' },
    ]);
  }
  return paidAt;
}

@Injectable()
export class PaymentsService {
  private readonly logger = new Logger(PaymentsService.name);
  private readonly inserts = new TickBatcher<AcceptedRows, void>((items) => this.insertAll(items));
  private readonly completions = new TickBatcher<SalesRecordedV1, StatusOutcome>((messages) =>
    this.completeAll(messages),
  );

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(Payment) private readonly payments: Repository<Payment>,
    @InjectRepository(IdempotencyKey) private readonly keys: Repository<IdempotencyKey>,
    private readonly relay: OutboxRelay,
    private readonly env: CustomerApiEnvironment,
  ) {}

  /**
   * Records a payment and its `payment.recorded` message in one transaction. When this returns,
   * both are committed: the relay will publish the message whatever happens next.
   */
  async accept(request: PaymentRequest): Promise<AcceptedPayment> {
    const now = new Date();
    const paidAt = resolvePaidAt(request.body.paidAt, now);
    let claimed: IdempotencyKey | undefined;
    if (request.idempotencyKey !== undefined) {
      const claim = await this.claimKey(request, fingerprintOf(request.body), now);
      if ('replay' in claim) {
        return { payment: await this.get(request.clientId, claim.replay), replayed: true };
      }
      claimed = claim.claimed;
    }
    const payment = this.payments.create({
      id: uuidv7(),
      clientId: request.clientId,
      customerId: request.body.customerId,
      policyId: request.body.policyId,
      amount: request.body.amount,
      currency: request.body.currency,
      period: request.body.period ?? periodOf(paidAt),
      paidAt,
      status: 'PENDING',
      failureCode: null,
      failureMessage: null,
      failureAttempts: null,
      correlationId: request.correlationId,
      createdAt: now,
      updatedAt: now,
      completedAt: null,
    });
    const rows = { payment, outbox: this.outboxMessageFor(payment, now) };
    if (!claimed) {
      await this.inserts.add(rows);
    } else {
      const key = claimed;
      try {
        await transaction(this.dataSource, async (manager) => {
          await this.insert(manager, [rows]);
          await this.completeKey(manager, key, payment.id);
        });
      } catch (err) {
        await this.releaseKey(key);
        throw err;
      }
    }
    this.relay.wake();
    this.logger.log(
      { paymentId: payment.id, correlationId: payment.correlationId },
      'payment accepted',
    );
    return { payment, replayed: false };
  }

  /**
   * Commits the payments accepted in one turn of the event loop in one transaction: two
   * multi-row INSERTs and one commit for all, instead of four round trips and a commit each
   * (bench/: a fifth of customer-api's CPU under load went to those socket writes, and MariaDB
   * spent about a millisecond per commit). Each caller still answers only after the commit that
   * holds its payment.
   */
  private async insertAll(items: AcceptedRows[]): Promise<PromiseSettledResult<void>[]> {
    // A deadlock is InnoDB choosing a victim, not the database failing: try once more first.
    for (let attempt = 1; items.length > 1 && attempt <= ACCEPT_DEADLOCK_ATTEMPTS; attempt += 1) {
      try {
        await transaction(this.dataSource, (manager) => this.insert(manager, items));
        return items.map(() => ({ status: 'fulfilled', value: undefined }));
      } catch (err) {
        if (isDeadlock(err) && attempt < ACCEPT_DEADLOCK_ATTEMPTS) {
          continue;
        }
        if (isTransientDatabaseError(err)) {
          // Down, unreachable, deadlocked again: each alone would meet the same. 503 for all.
          return items.map(() => ({ status: 'rejected', reason: err }));
        }
        // Anything else could belong to one row: each payment in a transaction of its own.
        break;
      }
    }
    return Promise.allSettled(
      items.map((item) => transaction(this.dataSource, (manager) => this.insert(manager, [item]))),
    );
  }

  private async insert(manager: EntityManager, items: AcceptedRows[]): Promise<void> {
    await manager.insert(
      Payment,
      items.map((item) => item.payment),
    );
    await manager.insert(
      OutboxMessage,
      items.map((item) => item.outbox),
    );
  }

  /** A payment as its client sees it; another client's payment does not exist for it. */
  async get(clientId: string, id: string): Promise<Payment> {
    const payment = await this.payments.findOneBy({ id: id.toLowerCase(), clientId });
    if (!payment) {
      throw new PaymentNotFoundError();
    }
    return payment;
  }

  /**
   * Applies a status message. A payment only ever moves forward: PENDING → COMPLETED | FAILED,
   * and FAILED → COMPLETED when a redriven message is recorded after all; a late or duplicate
   * message changes nothing.
   */
  async applyStatus(message: PaymentStatusMessage): Promise<StatusOutcome> {
    return message.type === SALES_RECORDED ? this.completions.add(message) : this.applyOne(message);
  }

  /**
   * Completes the payments of one received batch of `sales.recorded` together: one locking read
   * and one UPDATE in one transaction, instead of an UPDATE and a read each (bench/: those
   * queries were about a third of customer-api's CPU while the status queue drained). Should
   * the batch fail, each message is applied on its own, as it would have been alone.
   */
  private async completeAll(
    messages: SalesRecordedV1[],
  ): Promise<PromiseSettledResult<StatusOutcome>[]> {
    if (messages.length > 1) {
      try {
        return await this.readCommitted((manager) => this.complete(manager, messages));
      } catch {
        // rolled back as a whole: nothing changed; applied one by one below
      }
    }
    return Promise.allSettled(messages.map((message) => this.applyOne(message)));
  }

  private async complete(
    manager: EntityManager,
    messages: SalesRecordedV1[],
  ): Promise<PromiseSettledResult<StatusOutcome>[]> {
    const now = new Date();
    const found = await manager.find(Payment, {
      select: { id: true, status: true, createdAt: true },
      where: { id: In([...new Set(messages.map((m) => m.paymentId))]) },
      // Another replica completing the same payment waits, then finds it COMPLETED. SQLite has
      // one writer at a time anyway (and TypeORM refuses the lock there).
      ...(this.dataSource.options.type === 'better-sqlite3'
        ? {}
        : { lock: { mode: 'pessimistic_write' as const } }),
    });
    const known = new Set(found.map((p) => p.id.toLowerCase()));
    const movable = new Map(
      found
        .filter((p) => p.status === 'PENDING' || p.status === 'FAILED')
        .map((p) => [p.id.toLowerCase(), p]),
    );
    if (movable.size > 0) {
      // By primary key only: the rows are locked and filtered above. A status condition would
      // let MariaDB scan idx_payments_status_created and lock the PENDING range, where every
      // accept inserts: accepts then deadlocked and answered 503 (docs/reliability.md, 5).
      await manager.update(
        Payment,
        { id: In([...movable.values()].map((p) => p.id)) },
        completion(now),
      );
    }
    return messages.map((message): PromiseSettledResult<StatusOutcome> => {
      const id = message.paymentId.toLowerCase();
      const payment = movable.get(id);
      // The same payment twice in a batch: the second finds it completed, as it would alone.
      movable.delete(id);
      const outcome: StatusOutcome = payment
        ? { result: 'completed', createdAt: payment.createdAt, completedAt: now }
        : { result: known.has(id) ? 'unchanged' : 'unknown-payment' };
      return { status: 'fulfilled', value: outcome };
    });
  }

  /**
   * A transaction at READ COMMITTED on MySQL: locking reads lock the rows they find and no
   * gaps, so ids not found do not block the inserts of concurrent accepts.
   */
  private readCommitted<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.options.type === 'better-sqlite3'
      ? transaction(this.dataSource, work)
      : this.dataSource.transaction('READ COMMITTED', work);
  }

  private async applyOne(message: PaymentStatusMessage): Promise<StatusOutcome> {
    const now = new Date();
    const result =
      message.type === SALES_RECORDED
        ? await this.payments.update(
            { id: message.paymentId, status: In(['PENDING', 'FAILED']) },
            completion(now),
          )
        : await this.payments.update(
            { id: message.paymentId, status: 'PENDING' },
            {
              status: 'FAILED',
              updatedAt: now,
              failureCode: message.code,
              failureMessage: message.message,
              failureAttempts: message.attempts,
            },
          );
    if (result.affected && message.type === SALES_RECORDED) {
      const payment = await this.payments.findOne({
        select: { id: true, createdAt: true },
        where: { id: message.paymentId },
      });
      return { result: 'completed', createdAt: payment?.createdAt, completedAt: now };
    }
    if (result.affected) {
      return { result: 'failed' };
    }
    const known = await this.payments.existsBy({ id: message.paymentId });
    return { result: known ? 'unchanged' : 'unknown-payment' };
  }

  private outboxMessageFor(payment: Payment, now: Date): OutboxMessage {
    const message = Object.assign(new PaymentRecordedV1(), {
      paymentId: payment.id,
      customerId: payment.customerId,
      policyId: payment.policyId,
      amount: payment.amount,
      currency: payment.currency,
      period: payment.period,
      paidAt: payment.paidAt.toISOString(),
      recordedAt: now.toISOString(),
    });
    const encoded = encodeMessage(message, payment.correlationId);
    return Object.assign(new OutboxMessage(), {
      id: uuidv7(),
      destination: SALES_QUEUE,
      body: encoded.body,
      attributes: JSON.stringify(encoded.attributes),
      attempts: 0,
      createdAt: now,
    });
  }

  /**
   * Takes the Idempotency-Key for this request, or says what to answer instead: a replay of the
   * payment it created, 422 for another body, 409 while its first request still runs.
   */
  private async claimKey(
    request: PaymentRequest,
    fingerprint: string,
    now: Date,
  ): Promise<KeyClaim> {
    const key = request.idempotencyKey as string;
    const fresh = this.keys.create({
      clientId: request.clientId,
      key,
      fingerprint,
      state: 'IN_FLIGHT',
      paymentId: null,
      lockedUntil: new Date(now.getTime() + IDEMPOTENCY_LOCK_MS),
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
    const existing = await this.keys.findOneBy({ clientId: request.clientId, key });
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
    const abandoned =
      existing.state === 'IN_FLIGHT' && existing.lockedUntil.getTime() <= now.getTime();
    if (expired || abandoned) {
      // Take the key over only if nobody else did meanwhile (compare-and-set on lockedUntil).
      const result = await this.keys.update(
        {
          clientId: existing.clientId,
          key,
          state: existing.state,
          lockedUntil: existing.lockedUntil,
        },
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
    const waitMs = existing.lockedUntil.getTime() - now.getTime();
    throw new IdempotencyKeyInFlightError(Math.max(1, Math.min(30, Math.ceil(waitMs / 1000))));
  }

  private async completeKey(
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
      // Our claim ran out and another request took the key: roll back, it answers instead.
      throw new IdempotencyKeyInFlightError(1);
    }
  }

  private async releaseKey(claimed: IdempotencyKey): Promise<void> {
    await this.keys
      .delete({
        clientId: claimed.clientId,
        key: claimed.key,
        state: 'IN_FLIGHT',
        lockedUntil: claimed.lockedUntil,
      })
      .catch((err: unknown) =>
        this.logger.warn({ err }, 'could not release an idempotency key; it expires by itself'),
      );
  }
}

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
} from '@app/contracts';
import { InvalidInputError, isDuplicateKeyError, transaction } from '@app/platform';
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
    try {
      await transaction(this.dataSource, async (manager) => {
        await manager.insert(Payment, payment);
        await manager.insert(OutboxMessage, this.outboxMessageFor(payment, now));
        if (claimed) {
          await this.completeKey(manager, claimed, payment.id);
        }
      });
    } catch (err) {
      if (claimed) {
        await this.releaseKey(claimed);
      }
      throw err;
    }
    this.relay.wake();
    this.logger.log(
      { paymentId: payment.id, correlationId: payment.correlationId },
      'payment accepted',
    );
    return { payment, replayed: false };
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
    const now = new Date();
    const result =
      message.type === SALES_RECORDED
        ? await this.payments.update(
            { id: message.paymentId, status: In(['PENDING', 'FAILED']) },
            {
              status: 'COMPLETED',
              completedAt: now,
              updatedAt: now,
              failureCode: null,
              failureMessage: null,
              failureAttempts: null,
            },
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

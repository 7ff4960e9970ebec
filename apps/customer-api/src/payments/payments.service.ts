import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { periodOf } from '@app/contracts';
import { TickBatcher } from '@app/messaging/tick-batcher';
import { isTransientDatabaseError } from '@app/platform/database-errors';
import { InvalidInputError } from '@app/platform/errors';
import { transaction } from '@app/platform/transaction';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { OutboxRelay } from '../outbox/outbox.relay';
import { CreatePaymentDto } from './dto/create-payment.dto';
import { IdempotencyKey } from './idempotency-key.entity';
import { IdempotencyKeysService } from './idempotency-keys.service';
import { outboxMessageFor } from '../outbox/payment-recorded.outbox';
import { Payment } from './payment.entity';
import { PaymentNotFoundError } from './payment.errors';

/** How far in the future paidAt may be. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** The earliest paidAt accepted: DATETIME and the periods before it make no sense here. */
const EARLIEST_PAID_AT = Date.UTC(1970, 0, 1);

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

/**
 * Tries of an accept transaction that lost a lock race: chosen as a deadlock's victim, or past the
 * lock wait timeout behind another transaction (seen under heavy CPU contention, tools/faults).
 * Contention, not an outage: the client gets its 202, a little later, not a 503.
 */
const ACCEPT_CONTENTION_ATTEMPTS = 2;

function isContention(err: unknown): boolean {
  const { code, driverError } = (err ?? {}) as { code?: unknown; driverError?: { code?: unknown } };
  const found = driverError?.code ?? code;
  return found === 'ER_LOCK_DEADLOCK' || found === 'ER_LOCK_WAIT_TIMEOUT';
}

/** What one accept commits: the payment and the message announcing it. */
interface AcceptedRows {
  payment: Payment;
  outbox: OutboxMessage;
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

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(Payment) private readonly payments: Repository<Payment>,
    private readonly idempotencyKeys: IdempotencyKeysService,
    private readonly relay: OutboxRelay,
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
      const claim = await this.idempotencyKeys.claim(
        request.clientId,
        request.idempotencyKey,
        fingerprintOf(request.body),
        now,
      );
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
    const rows = { payment, outbox: outboxMessageFor(payment, now) };
    if (!claimed) {
      await this.inserts.add(rows);
    } else {
      const key = claimed;
      try {
        const commit = () =>
          transaction(this.dataSource, async (manager) => {
            await this.insert(manager, [rows]);
            await this.idempotencyKeys.complete(manager, key, payment.id);
          });
        await commit().catch((err: unknown) => {
          if (isContention(err)) {
            return commit(); // rolled back whole: the same rows, once more
          }
          throw err;
        });
      } catch (err) {
        await this.idempotencyKeys.release(key);
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
    for (let attempt = 1; attempt <= ACCEPT_CONTENTION_ATTEMPTS; attempt += 1) {
      try {
        await transaction(this.dataSource, (manager) => this.insert(manager, items));
        return items.map(() => ({ status: 'fulfilled', value: undefined }));
      } catch (err) {
        if (isContention(err) && attempt < ACCEPT_CONTENTION_ATTEMPTS) {
          continue;
        }
        if (isTransientDatabaseError(err) || items.length === 1) {
          // Down, unreachable, contended again, or one payment's own error: as it is, for all.
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
}

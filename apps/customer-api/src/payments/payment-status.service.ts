import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { PaymentStatusMessage, SALES_RECORDED, SalesFailedV1 } from '@app/contracts';
import { transaction } from '@app/platform/transaction';
import { Payment, PaymentStatus } from './payment.entity';

export interface StatusOutcome {
  result: 'completed' | 'failed' | 'unchanged' | 'unknown-payment';
  /** For a payment just completed: when it was accepted, and now. */
  createdAt?: Date;
  completedAt?: Date;
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

function failure(message: SalesFailedV1, now: Date): Partial<Payment> {
  return {
    status: 'FAILED',
    updatedAt: now,
    failureCode: message.code,
    failureMessage: message.message,
    failureAttempts: message.attempts,
  };
}

/** The move a message makes from `status`, if any: PENDING → COMPLETED | FAILED, FAILED → COMPLETED. */
function moves(message: PaymentStatusMessage, status: PaymentStatus): boolean {
  return message.type === SALES_RECORDED
    ? status === 'PENDING' || status === 'FAILED'
    : status === 'PENDING';
}

/** Applies the worker's reports (`sales.recorded`, `sales.failed`) to the payments. */
@Injectable()
export class PaymentStatusService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(Payment) private readonly payments: Repository<Payment>,
  ) {}

  /**
   * Applies the status messages of one received batch, one settled outcome each, in order. A
   * payment only ever moves forward: PENDING → COMPLETED | FAILED, and FAILED → COMPLETED when a
   * redriven message is recorded after all; a late or duplicate message changes nothing.
   *
   * The whole batch in one transaction: one locking read, one UPDATE for the completions and one
   * per failure (bench/: a transaction and a read per message were most of customer-api's CPU
   * while the status queue drained). Should it fail, each message is applied on its own, as it
   * would have been alone, so one message's failure is its own.
   */
  async applyAll(messages: PaymentStatusMessage[]): Promise<PromiseSettledResult<StatusOutcome>[]> {
    if (messages.length > 1) {
      try {
        // At READ COMMITTED on MySQL (the session's level, mysql-driver.ts): the locking read
        // locks the rows it finds and no gaps, so ids not found do not block concurrent accepts.
        return await transaction(this.dataSource, (manager) =>
          this.applyTogether(manager, messages),
        );
      } catch {
        // rolled back as a whole: nothing changed; applied one by one below
      }
    }
    return Promise.allSettled(messages.map((message) => this.applyOne(message)));
  }

  private async applyTogether(
    manager: EntityManager,
    messages: PaymentStatusMessage[],
  ): Promise<PromiseSettledResult<StatusOutcome>[]> {
    const now = new Date();
    const found = await manager.find(Payment, {
      select: { id: true, status: true, createdAt: true },
      where: { id: In([...new Set(messages.map((m) => m.paymentId))]) },
      // Another replica applying the same payment waits, then finds it moved. SQLite has one
      // writer at a time anyway (and TypeORM refuses the lock there).
      ...(this.dataSource.options.type === 'better-sqlite3'
        ? {}
        : { lock: { mode: 'pessimistic_write' as const } }),
    });
    const rows = new Map(found.map((p) => [p.id.toLowerCase(), p]));
    // In message order against the rows as read, so the same payment twice in a batch fares as
    // it would one message after the other; the last move of each payment is what is written.
    const status = new Map(found.map((p) => [p.id.toLowerCase(), p.status]));
    const last = new Map<string, PaymentStatusMessage>();
    const outcomes = messages.map((message): PromiseSettledResult<StatusOutcome> => {
      const id = message.paymentId.toLowerCase();
      const current = status.get(id);
      if (current === undefined) {
        return { status: 'fulfilled', value: { result: 'unknown-payment' } };
      }
      if (!moves(message, current)) {
        return { status: 'fulfilled', value: { result: 'unchanged' } };
      }
      last.set(id, message);
      if (message.type === SALES_RECORDED) {
        status.set(id, 'COMPLETED');
        const { createdAt } = rows.get(id) as Payment;
        return { status: 'fulfilled', value: { result: 'completed', createdAt, completedAt: now } };
      }
      status.set(id, 'FAILED');
      return { status: 'fulfilled', value: { result: 'failed' } };
    });
    const completed: string[] = [];
    for (const [id, message] of last) {
      if (message.type === SALES_RECORDED) {
        completed.push((rows.get(id) as Payment).id);
      } else {
        // A failure carries its own code and message: one UPDATE each (rare: retries exhausted).
        await manager.update(Payment, { id: (rows.get(id) as Payment).id }, failure(message, now));
      }
    }
    if (completed.length > 0) {
      // By primary key only: the rows are locked and filtered above. A status condition would
      // let MariaDB scan idx_payments_status_created and lock the PENDING range, where every
      // accept inserts: accepts then deadlocked and answered 503 (docs/reliability.md, 5).
      await manager.update(Payment, { id: In(completed) }, completion(now));
    }
    return outcomes;
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
            failure(message, now),
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
}

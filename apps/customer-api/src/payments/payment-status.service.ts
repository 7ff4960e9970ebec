import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { PaymentStatusMessage, SALES_RECORDED, SalesRecordedV1 } from '@app/contracts';
import { TickBatcher } from '@app/messaging/tick-batcher';
import { transaction } from '@app/platform/transaction';
import { Payment } from './payment.entity';

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

/** Applies the worker's reports (`sales.recorded`, `sales.failed`) to the payments. */
@Injectable()
export class PaymentStatusService {
  private readonly completions = new TickBatcher<SalesRecordedV1, StatusOutcome>((messages) =>
    this.completeAll(messages),
  );

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(Payment) private readonly payments: Repository<Payment>,
  ) {}

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
}

import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { DataSource, EntityManager, In } from 'typeorm';
import { transaction } from '@app/platform/transaction';
import { CustomerApiEnvironment } from '../config/environment';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { OutboxRelay } from '../outbox/outbox.relay';
import { outboxMessageFor } from '../outbox/payment-recorded.outbox';
import { Payment } from './payment.entity';

/** Payments re-asked about per statement: a short transaction, whatever the backlog. */
const REASK_BATCH = 100;

/**
 * Nothing stays PENDING forever: a payment PENDING longer than PENDING_REASK_AFTER_SECONDS has
 * its `payment.recorded` published again through the outbox. The worker records a payment once
 * whatever it receives, and reports on every delivery, so a lost message or a lost report is
 * answered by a fresh report.
 *
 * Each payment is re-asked at most once per PENDING_REASK_INTERVAL_SECONDS (`reasked_at`), and
 * on MySQL replicas claim the payments to re-ask with `FOR UPDATE SKIP LOCKED` in the
 * transaction that stamps them and writes the outbox rows: one re-ask per payment per interval,
 * however many replicas scan.
 */
@Injectable()
export class PendingReasker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PendingReasker.name);
  private readonly mysql: boolean;
  private timer?: NodeJS.Timeout;
  private scanning: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    private readonly env: CustomerApiEnvironment,
    @InjectMetric('payments_reasked_total') private readonly reasked: Counter<string>,
  ) {
    this.mysql = ['mysql', 'mariadb'].includes(dataSource.options.type);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.scanning = this.reaskDue().catch((err: unknown) =>
        this.logger.warn({ err }, 'could not re-ask about pending payments; will try again'),
      );
    }, this.env.PENDING_REASK_SCAN_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.scanning;
  }

  /** Re-asks about the payments due, a batch at a time; answers how many. */
  async reaskDue(now = new Date()): Promise<number> {
    let total = 0;
    for (;;) {
      const ids = await this.inTransaction((manager) => this.reaskBatch(manager, now));
      total += ids.length;
      for (const paymentId of ids) {
        this.logger.warn(
          { paymentId },
          'payment still PENDING; its payment.recorded published again',
        );
      }
      if (ids.length < REASK_BATCH) {
        break;
      }
    }
    if (total > 0) {
      this.reasked.inc(total);
      this.relay.wake();
    }
    return total;
  }

  private async reaskBatch(manager: EntityManager, now: Date): Promise<string[]> {
    const query = manager
      .getRepository(Payment)
      .createQueryBuilder('p')
      .where('p.status = :status', { status: 'PENDING' })
      .andWhere('p.createdAt < :createdBefore', {
        createdBefore: new Date(now.getTime() - this.env.PENDING_REASK_AFTER_SECONDS * 1000),
      })
      .andWhere('(p.reaskedAt IS NULL OR p.reaskedAt < :reaskedBefore)', {
        reaskedBefore: new Date(now.getTime() - this.env.PENDING_REASK_INTERVAL_SECONDS * 1000),
      })
      .orderBy('p.createdAt', 'ASC')
      .limit(REASK_BATCH);
    if (this.mysql) {
      query.setLock('pessimistic_write').setOnLocked('skip_locked');
    }
    const due = await query.getMany();
    if (due.length === 0) {
      return [];
    }
    const ids = due.map((p) => p.id);
    await manager.update(Payment, { id: In(ids) }, { reaskedAt: now });
    await manager.insert(
      OutboxMessage,
      due.map((payment) => outboxMessageFor(payment, now)),
    );
    return ids;
  }

  private inTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    // At READ COMMITTED on MySQL (the session's level, mysql-driver.ts): the locking read locks
    // the rows it returns, not the index gaps where accepts insert.
    return transaction(this.dataSource, work);
  }
}

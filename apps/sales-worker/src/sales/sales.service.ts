import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { PaymentRecordedV1 } from '@app/contracts';
import { isDuplicateKeyError, transaction } from '@app/platform';
import { MonthlyTotal } from './monthly-total.entity';
import { Sale } from './sale.entity';
import { SaleNotFoundError } from './sale.errors';

export interface RecordedSale {
  sale: Sale;
  /** True when the payment was already counted: nothing changed. */
  duplicate: boolean;
}

/** Adds one sale to its month's total, creating the total with the month's first sale. */
const ADD_TO_TOTAL = {
  // The amount is bound twice rather than read back with VALUES(), deprecated in MySQL 8.0.20.
  mysql:
    'INSERT INTO `monthly_totals` (`period`, `currency`, `count`, `amount`) VALUES (?, ?, 1, ?) ' +
    'ON DUPLICATE KEY UPDATE `count` = `count` + 1, `amount` = `amount` + ?',
  sqlite:
    'INSERT INTO "monthly_totals" ("period", "currency", "count", "amount") VALUES (?, ?, 1, ?) ' +
    'ON CONFLICT ("period", "currency") DO UPDATE SET "count" = "count" + 1, "amount" = "amount" + ?',
} as const;

/** The sales DB: each payment counted once, and the monthly totals that follow from it. */
@Injectable()
export class SalesService {
  private readonly logger = new Logger(SalesService.name);
  private readonly dialect: keyof typeof ADD_TO_TOTAL;

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(Sale) private readonly sales: Repository<Sale>,
    @InjectRepository(MonthlyTotal) private readonly totals: Repository<MonthlyTotal>,
  ) {
    // dataSourceOptions gives better-sqlite3, or mysql / mariadb (the same SQL here).
    this.dialect = dataSource.options.type === 'better-sqlite3' ? 'sqlite' : 'mysql';
  }

  /**
   * Counts a payment in one transaction: its sale row (unique on paymentId) and its month's
   * total. A payment counted before changes nothing and answers the sale as first stored.
   */
  async record(payment: PaymentRecordedV1, correlationId?: string): Promise<RecordedSale> {
    const sale = this.sales.create({
      paymentId: payment.paymentId.toLowerCase(),
      customerId: payment.customerId,
      policyId: payment.policyId,
      amount: payment.amount,
      currency: payment.currency,
      period: payment.period,
      paidAt: new Date(payment.paidAt),
      recordedAt: new Date(payment.recordedAt),
      correlationId: correlationId ?? null,
      createdAt: new Date(),
    });
    try {
      await transaction(this.dataSource, (manager) => this.insert(manager, sale));
      return { sale, duplicate: false };
    } catch (err) {
      if (!isDuplicateKeyError(err)) {
        throw err;
      }
    }
    // The failed insert rolled the transaction back: the total was not touched.
    const first = await this.sales.findOneByOrFail({ paymentId: sale.paymentId });
    if (
      first.amount !== sale.amount ||
      first.currency !== sale.currency ||
      first.period !== sale.period
    ) {
      // Same id, other content: a producer bug. The first version stays counted; say so loudly.
      this.logger.error(
        { paymentId: sale.paymentId, correlationId, stored: first, received: payment },
        'payment.recorded redelivered with different content; kept the first',
      );
    }
    return { sale: first, duplicate: true };
  }

  /** The month's totals, one per currency. */
  async monthlyTotals(period: string): Promise<MonthlyTotal[]> {
    return this.totals.find({ where: { period }, order: { currency: 'ASC' } });
  }

  async get(paymentId: string): Promise<Sale> {
    const sale = await this.sales.findOneBy({ paymentId: paymentId.toLowerCase() });
    if (!sale) {
      throw new SaleNotFoundError();
    }
    return sale;
  }

  private async insert(manager: EntityManager, sale: Sale): Promise<void> {
    await manager.insert(Sale, sale);
    await manager.query(ADD_TO_TOTAL[this.dialect], [
      sale.period,
      sale.currency,
      sale.amount,
      sale.amount,
    ]);
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { type PaymentRecordedV1, toMinorUnitsTotal } from '@app/contracts';
import { isDuplicateKeyError } from '@app/platform/database-errors';
import { transaction } from '@app/platform/transaction';
import { MonthlyTotal } from './monthly-total.entity';
import { Sale } from './sale.entity';
import type { MonthlyTotalView } from './sale.view';
import { SaleNotFoundError } from './sale.errors';

export interface RecordedSale {
  sale: Sale;
  /** True when the payment was already counted: nothing changed. */
  duplicate: boolean;
}

/**
 * One statement adding a batch's deltas to their months' totals, creating a total with its
 * month's first sale; the rows in key order, so concurrent batches lock totals in one order.
 * On MySQL the deltas come from a derived table and are read back by name, not with VALUES()
 * (deprecated since MySQL 8.0.20).
 */
function addToTotals(dialect: 'mysql' | 'sqlite', count: number): string {
  if (dialect === 'mysql') {
    const rows = Array.from({ length: count }, (_, i) =>
      i === 0 ? 'SELECT ? AS `p`, ? AS `c`, ? AS `n`, ? AS `a`' : 'SELECT ?, ?, ?, ?',
    ).join(' UNION ALL ');
    return (
      'INSERT INTO `monthly_totals` (`period`, `currency`, `count`, `amount`) ' +
      `SELECT \`d\`.\`p\`, \`d\`.\`c\`, \`d\`.\`n\`, \`d\`.\`a\` FROM (${rows}) AS \`d\` ORDER BY \`d\`.\`p\`, \`d\`.\`c\` ` +
      'ON DUPLICATE KEY UPDATE `count` = `monthly_totals`.`count` + `d`.`n`, ' +
      '`amount` = `monthly_totals`.`amount` + `d`.`a`'
    );
  }
  return (
    'INSERT INTO "monthly_totals" ("period", "currency", "count", "amount") VALUES ' +
    Array.from({ length: count }, () => '(?, ?, ?, ?)').join(', ') +
    ' ON CONFLICT ("period", "currency") DO UPDATE SET "count" = "count" + "excluded"."count", ' +
    '"amount" = "amount" + "excluded"."amount"'
  );
}

/** What a batch adds to one month's total in one currency. */
interface TotalDelta {
  period: string;
  currency: string;
  count: number;
  amount: number;
}

/**
 * A payment to count, with the correlationId its message carried and when that message was
 * published (SQS SentTimestamp) and received: the per-hop timings (bench/).
 */
export interface PaymentToRecord {
  payment: PaymentRecordedV1;
  correlationId?: string;
  publishedAt?: Date;
  receivedAt?: Date;
}

/** The sales DB: each payment counted once, and the monthly totals that follow from it. */
@Injectable()
export class SalesService {
  private readonly logger = new Logger(SalesService.name);
  private readonly dialect: 'mysql' | 'sqlite';
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(Sale) private readonly sales: Repository<Sale>,
    @InjectRepository(MonthlyTotal) private readonly totals: Repository<MonthlyTotal>,
  ) {
    // dataSourceOptions gives better-sqlite3, or mysql / mariadb (the same SQL here).
    this.dialect = dataSource.options.type === 'better-sqlite3' ? 'sqlite' : 'mysql';
  }

  private saleOf({ payment, correlationId, publishedAt, receivedAt }: PaymentToRecord): Sale {
    return this.sales.create({
      paymentId: payment.paymentId.toLowerCase(),
      customerId: payment.customerId,
      policyId: payment.policyId,
      amount: payment.amount,
      currency: payment.currency,
      period: payment.period,
      paidAt: new Date(payment.paidAt),
      recordedAt: new Date(payment.recordedAt),
      correlationId: correlationId ?? null,
      publishedAt: publishedAt ?? null,
      receivedAt: receivedAt ?? null,
      createdAt: new Date(),
    });
  }

  /**
   * Counts payments, each once: its sale row (unique on paymentId) and its month's total, in one
   * transaction for them all: one commit and a handful of statements instead of four statements
   * and a commit each, and one upsert of the month's total row, which every sale of the month
   * otherwise queues on (bench/: a third of the worker's CPU went to those round trips). Should
   * that fail for any reason (a redelivered payment among them, a deadlock), each is recorded on
   * its own instead, so each gets the outcome it would have had alone: counted, duplicate (the
   * sale as first stored), or its own error. One outcome per payment, in order.
   */
  async recordAll(
    payments: readonly PaymentToRecord[],
  ): Promise<PromiseSettledResult<RecordedSale>[]> {
    const items = payments.map((toRecord) => ({
      sale: this.saleOf(toRecord),
      payment: toRecord.payment,
      correlationId: toRecord.correlationId,
    }));
    const ids = new Set(items.map((item) => item.sale.paymentId));
    if (items.length > 1 && ids.size === items.length) {
      try {
        const sales = items.map((item) => item.sale);
        await transaction(this.dataSource, (manager) => this.insert(manager, sales));
        return sales.map((sale) => ({ status: 'fulfilled', value: { sale, duplicate: false } }));
      } catch {
        // rolled back as a whole: nothing counted; recorded one by one below
      }
    }
    return Promise.allSettled(
      items.map((item) => this.recordOne(item.sale, item.payment, item.correlationId)),
    );
  }

  private async recordOne(
    sale: Sale,
    payment: PaymentRecordedV1,
    correlationId?: string,
  ): Promise<RecordedSale> {
    try {
      await transaction(this.dataSource, (manager) => this.insert(manager, [sale]));
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

  /**
   * The month's totals, one per currency. The amount is read as text (`CHAR` has text affinity
   * on SQLite too), exact however large: better-sqlite3 would round a number past 2^53.
   */
  async monthlyTotals(period: string): Promise<MonthlyTotalView[]> {
    const rows = await this.totals
      .createQueryBuilder('t')
      .select('t.currency', 'currency')
      .addSelect('t.count', 'count')
      .addSelect('CAST(t.amount AS CHAR)', 'amount')
      .where('t.period = :period', { period })
      .orderBy('t.currency', 'ASC')
      .getRawMany<{ currency: string; count: number | string; amount: string }>();
    return rows.map((row) => ({
      currency: row.currency,
      count: Number(row.count),
      amount: toMinorUnitsTotal(row.amount),
    }));
  }

  async get(paymentId: string): Promise<Sale> {
    const sale = await this.find(paymentId);
    if (!sale) {
      throw new SaleNotFoundError();
    }
    return sale;
  }

  /** The payment's sale, or null when it was never counted. */
  find(paymentId: string): Promise<Sale | null> {
    return this.sales.findOneBy({ paymentId: paymentId.toLowerCase() });
  }

  /** The sales rows, then each month-and-currency total once, in key order (no deadlocks). */
  private async insert(manager: EntityManager, sales: Sale[]): Promise<void> {
    await manager.insert(Sale, sales);
    const totals = new Map<string, TotalDelta>();
    for (const sale of sales) {
      const key = `${sale.period} ${sale.currency}`;
      const total = totals.get(key) ?? {
        period: sale.period,
        currency: sale.currency,
        count: 0,
        amount: 0,
      };
      total.count += 1;
      total.amount += sale.amount;
      totals.set(key, total);
    }
    const deltas = [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, t]) => t);
    await manager.query(
      addToTotals(this.dialect, deltas.length),
      deltas.flatMap((t) => [t.period, t.currency, t.count, t.amount]),
    );
  }
}

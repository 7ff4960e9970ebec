import type { MinorUnits, MinorUnitsTotal } from '@app/contracts';
import type { Sale } from './sale.entity';

/** GET /sales/payments/{paymentId}. */
export interface SaleView {
  paymentId: string;
  customerId: string;
  policyId: string;
  amount: MinorUnits;
  currency: string;
  period: string;
  paidAt: string;
  /** When customer-api accepted the payment. */
  recordedAt: string;
  /** When the sales DB counted it. */
  createdAt: string;
  correlationId?: string;
}

/** One month's total in one currency; `amount` is decimal digits, exact past 2^53. */
export interface MonthlyTotalView {
  currency: string;
  count: number;
  amount: MinorUnitsTotal;
}

/** GET /sales?period=YYYY-MM. */
export interface MonthlyTotalsView {
  period: string;
  totals: MonthlyTotalView[];
}

export function toSaleView(sale: Sale): SaleView {
  return {
    paymentId: sale.paymentId,
    customerId: sale.customerId,
    policyId: sale.policyId,
    amount: sale.amount,
    currency: sale.currency,
    period: sale.period,
    paidAt: sale.paidAt.toISOString(),
    recordedAt: sale.recordedAt.toISOString(),
    createdAt: sale.createdAt.toISOString(),
    ...(sale.correlationId ? { correlationId: sale.correlationId } : {}),
  };
}

export function toMonthlyTotalsView(period: string, totals: MonthlyTotalView[]): MonthlyTotalsView {
  return { period, totals };
}

import type { MonthlyTotal } from './monthly-total.entity';
import type { Sale } from './sale.entity';

/** GET /sales/payments/{paymentId}. */
export interface SaleView {
  paymentId: string;
  customerId: string;
  policyId: string;
  amount: number;
  currency: string;
  period: string;
  paidAt: string;
  /** When customer-api accepted the payment. */
  recordedAt: string;
  /** When the sales DB counted it. */
  createdAt: string;
  correlationId?: string;
}

/** GET /sales?period=YYYY-MM. */
export interface MonthlyTotalsView {
  period: string;
  totals: { currency: string; count: number; amount: number }[];
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

export function toMonthlyTotalsView(period: string, totals: MonthlyTotal[]): MonthlyTotalsView {
  return {
    period,
    totals: totals.map(({ currency, count, amount }) => ({ currency, count, amount })),
  };
}

import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { MonthlyTotal } from './monthly-total.entity';
import type { Sale } from './sale.entity';

/** GET /sales/payments/{paymentId}. */
@ApiSchema({ name: 'Sale' })
export class SaleView {
  @ApiProperty({ format: 'uuid', example: '01a2189a-22ad-7408-a371-7e9ffa893414' })
  paymentId!: string;
  @ApiProperty({ example: 'cust-42' })
  customerId!: string;
  @ApiProperty({ example: 'pol-7' })
  policyId!: string;
  @ApiProperty({ type: 'integer', description: 'In the currency minor unit', example: 12500 })
  amount!: number;
  @ApiProperty({ example: 'USD' })
  currency!: string;
  @ApiProperty({ example: '2026-11' })
  period!: string;
  @ApiProperty({ format: 'date-time' })
  paidAt!: string;
  /** When customer-api accepted the payment. */
  @ApiProperty({ format: 'date-time', description: 'When customer-api accepted the payment' })
  recordedAt!: string;
  /** When the sales DB counted it. */
  @ApiProperty({ format: 'date-time', description: 'When the sales DB counted it' })
  createdAt!: string;
  @ApiPropertyOptional({ description: 'The request id the payment was accepted under' })
  correlationId?: string;
}

@ApiSchema({ name: 'CurrencyTotal' })
export class CurrencyTotalView {
  @ApiProperty({ example: 'USD' })
  currency!: string;
  @ApiProperty({ type: 'integer', description: 'Payments counted', example: 1 })
  count!: number;
  @ApiProperty({ type: 'integer', description: 'Their sum, in minor units', example: 12500 })
  amount!: number;
}

/** GET /sales?period=YYYY-MM. */
@ApiSchema({ name: 'MonthlyTotals' })
export class MonthlyTotalsView {
  @ApiProperty({ example: '2026-11' })
  period!: string;
  @ApiProperty({ type: [CurrencyTotalView] })
  totals!: CurrencyTotalView[];
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

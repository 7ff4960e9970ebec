import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { MinorUnits, MinorUnitsTotal } from '@app/contracts';
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
  @ApiProperty({
    type: 'integer',
    description: 'Minor units of the currency, a JSON integer (1…100000000000, always exact)',
    example: 12500,
  })
  amount!: MinorUnits;
  @ApiProperty({ example: 'USD' })
  currency!: string;
  @ApiProperty({ example: '2026-11' })
  period!: string;
  @ApiProperty({ format: 'date-time' })
  paidAt!: string;
  @ApiProperty({ format: 'date-time', description: 'When customer-api accepted the payment' })
  recordedAt!: string;
  @ApiProperty({ format: 'date-time', description: 'When the sales DB counted it' })
  createdAt!: string;
  @ApiPropertyOptional({ description: 'The request id the payment was accepted under' })
  correlationId?: string;
}

/** One month's total in one currency. */
@ApiSchema({ name: 'CurrencyTotal' })
export class MonthlyTotalView {
  @ApiProperty({ example: 'USD' })
  currency!: string;
  @ApiProperty({ type: 'integer', description: 'Payments counted', example: 1 })
  count!: number;
  @ApiProperty({
    type: 'string',
    pattern: '^(0|[1-9][0-9]*)$',
    description: 'Their sum in minor units, as decimal digits: exact past 2^53',
    example: '12500',
  })
  amount!: MinorUnitsTotal;
}

/** GET /sales?period=YYYY-MM. */
@ApiSchema({ name: 'MonthlyTotals' })
export class MonthlyTotalsView {
  @ApiProperty({ example: '2026-11' })
  period!: string;
  @ApiProperty({ type: [MonthlyTotalView] })
  totals!: MonthlyTotalView[];
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

import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { PAYMENT_STATUSES, type Payment, type PaymentStatus } from './payment.entity';

const EXAMPLE_ID = '01a2189a-22ad-7408-a371-7e9ffa893414';

class PaymentFields {
  @ApiProperty({ example: 'cust-42' })
  customerId!: string;
  @ApiProperty({ example: 'pol-7' })
  policyId!: string;
  @ApiProperty({
    type: 'integer',
    description: 'Minor units of the currency, a JSON integer (1…100000000000, always exact)',
    example: 12500,
  })
  amount!: number;
  @ApiProperty({ example: 'USD' })
  currency!: string;
  @ApiProperty({ example: '2026-11' })
  period!: string;
  @ApiProperty({ format: 'date-time' })
  paidAt!: string;
  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

@ApiSchema({ name: 'PaymentFailure' })
export class PaymentFailure {
  @ApiProperty({ example: 'RETRIES_EXHAUSTED' })
  code!: string;
  @ApiProperty({ example: 'the sales database was unavailable' })
  message!: string;
  @ApiProperty({ type: 'integer', example: 5 })
  attempts!: number;
}

/** GET /payments/{requestId}: the payment as its client sees it. */
@ApiSchema({ name: 'Payment' })
export class PaymentView extends PaymentFields {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID })
  requestId!: string;
  @ApiProperty({ enum: PAYMENT_STATUSES })
  status!: PaymentStatus;
  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'When the sales DB held it' })
  completedAt?: string;
  @ApiPropertyOptional({ type: PaymentFailure, description: 'Only when FAILED' })
  failure?: PaymentFailure;
}

/** POST /payments: what was accepted, replayed unchanged for the same Idempotency-Key. */
@ApiSchema({ name: 'AcceptedPayment' })
export class AcceptedView extends PaymentFields {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID })
  requestId!: string;
  @ApiProperty({ enum: ['PENDING'] })
  status!: 'PENDING';
  @ApiProperty({ example: `/payments/${EXAMPLE_ID}` })
  statusUrl!: string;
}

export function statusUrlOf(payment: Payment): string {
  return `/payments/${payment.id}`;
}

export function toAcceptedView(payment: Payment): AcceptedView {
  return {
    requestId: payment.id,
    // The 202 answers what was accepted at that moment; the status URL tells what happened since.
    status: 'PENDING',
    statusUrl: statusUrlOf(payment),
    customerId: payment.customerId,
    policyId: payment.policyId,
    amount: payment.amount,
    currency: payment.currency,
    period: payment.period,
    paidAt: payment.paidAt.toISOString(),
    createdAt: payment.createdAt.toISOString(),
  };
}

export function toPaymentView(payment: Payment): PaymentView {
  return {
    requestId: payment.id,
    status: payment.status,
    customerId: payment.customerId,
    policyId: payment.policyId,
    amount: payment.amount,
    currency: payment.currency,
    period: payment.period,
    paidAt: payment.paidAt.toISOString(),
    createdAt: payment.createdAt.toISOString(),
    updatedAt: payment.updatedAt.toISOString(),
    ...(payment.completedAt ? { completedAt: payment.completedAt.toISOString() } : {}),
    ...(payment.status === 'FAILED'
      ? {
          failure: {
            code: payment.failureCode ?? 'UNKNOWN',
            message: payment.failureMessage ?? '',
            attempts: payment.failureAttempts ?? 0,
          },
        }
      : {}),
  };
}

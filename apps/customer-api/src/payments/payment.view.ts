import type { Payment, PaymentStatus } from './payment.entity';

/** GET /payments/{requestId}: the payment as its client sees it. */
export interface PaymentView {
  requestId: string;
  status: PaymentStatus;
  customerId: string;
  policyId: string;
  amount: number;
  currency: string;
  period: string;
  paidAt: string;
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  failure?: { code: string; message: string; attempts: number };
}

/** POST /payments: what was accepted, replayed unchanged for the same Idempotency-Key. */
export interface AcceptedView {
  requestId: string;
  status: 'PENDING';
  statusUrl: string;
  customerId: string;
  policyId: string;
  amount: number;
  currency: string;
  period: string;
  paidAt: string;
  createdAt: string;
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

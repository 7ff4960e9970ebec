import { v7 as uuidv7 } from 'uuid';
import { currentTraceColumns } from '@app/telemetry/trace-context';
import { encodeMessage, PaymentRecordedV1, SALES_QUEUE } from '@app/contracts';
import { Payment } from '../payments/payment.entity';
import { OutboxMessage } from './outbox-message.entity';

/**
 * The outbox row announcing a payment: `payment.recorded` to the sales queue. Built the same
 * way at accept and at a re-ask, so the worker sees the same message again.
 */
export function outboxMessageFor(payment: Payment, now: Date): OutboxMessage {
  const message = Object.assign(new PaymentRecordedV1(), {
    paymentId: payment.id,
    customerId: payment.customerId,
    policyId: payment.policyId,
    amount: payment.amount,
    currency: payment.currency,
    period: payment.period,
    paidAt: payment.paidAt.toISOString(),
    recordedAt: payment.createdAt.toISOString(),
  });
  const encoded = encodeMessage(message, payment.correlationId);
  return Object.assign(new OutboxMessage(), {
    id: uuidv7(),
    destination: SALES_QUEUE,
    body: encoded.body,
    attributes: JSON.stringify(encoded.attributes),
    attempts: 0,
    ...currentTraceColumns(), // TELEMETRY HOOK: the request's trace context, for the relay
    createdAt: now,
  });
}

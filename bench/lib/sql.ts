import type { PoolConnection } from 'mysql2/promise';
import { v7 as uuidv7 } from 'uuid';
import { encodeMessage, PaymentRecordedV1, SALES_QUEUE } from '@app/contracts';

/**
 * The statements customer-api and sales-worker send for one payment, as TypeORM writes them
 * (text protocol, every column named), so the ceilings and the synchronous baseline do the same
 * work per payment as the apps.
 */
export const INSERT_PAYMENT =
  'INSERT INTO `payments`(`id`, `client_id`, `customer_id`, `policy_id`, `amount`, `currency`, ' +
  '`period`, `paid_at`, `status`, `failure_code`, `failure_message`, `failure_attempts`, ' +
  '`correlation_id`, `created_at`, `updated_at`, `completed_at`) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

export const INSERT_OUTBOX =
  'INSERT INTO `outbox`(`id`, `destination`, `body`, `attributes`, `attempts`, `created_at`) ' +
  'VALUES (?, ?, ?, ?, ?, ?)';

export const COMPLETE_PAYMENT =
  "UPDATE `payments` SET `status` = 'COMPLETED', `completed_at` = ?, `updated_at` = ? " +
  "WHERE `id` = ? AND `status` IN ('PENDING', 'FAILED')";

export const INSERT_SALE =
  'INSERT INTO `sales`(`payment_id`, `customer_id`, `policy_id`, `amount`, `currency`, ' +
  '`period`, `paid_at`, `recorded_at`, `correlation_id`, `created_at`) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** sales-worker's monthly total upsert, word for word. */
export const ADD_TO_TOTAL =
  'INSERT INTO `monthly_totals` (`period`, `currency`, `count`, `amount`) VALUES (?, ?, 1, ?) ' +
  'ON DUPLICATE KEY UPDATE `count` = `count` + 1, `amount` = `amount` + ?';

export interface NewPayment {
  id: string;
  customerId: string;
  policyId: string;
  amount: number;
  currency: string;
  period: string;
  paidAt: Date;
  correlationId: string;
  createdAt: Date;
}

export function newPayment(
  fields: Omit<NewPayment, 'id' | 'createdAt' | 'paidAt'> & { paidAt?: Date },
): NewPayment {
  const now = new Date();
  return { ...fields, id: uuidv7(), paidAt: fields.paidAt ?? now, createdAt: now };
}

export function paymentRow(p: NewPayment, clientId = 'anonymous'): unknown[] {
  return [
    p.id,
    clientId,
    p.customerId,
    p.policyId,
    p.amount,
    p.currency,
    p.period,
    p.paidAt,
    'PENDING',
    null,
    null,
    null,
    p.correlationId,
    p.createdAt,
    p.createdAt,
    null,
  ];
}

/** The outbox row customer-api commits with each payment: the encoded `payment.recorded`. */
export function outboxRow(p: NewPayment): unknown[] {
  const message = Object.assign(new PaymentRecordedV1(), {
    paymentId: p.id,
    customerId: p.customerId,
    policyId: p.policyId,
    amount: p.amount,
    currency: p.currency,
    period: p.period,
    paidAt: p.paidAt.toISOString(),
    recordedAt: p.createdAt.toISOString(),
  });
  const encoded = encodeMessage(message, p.correlationId);
  return [uuidv7(), SALES_QUEUE, encoded.body, JSON.stringify(encoded.attributes), 0, p.createdAt];
}

/** BEGIN … COMMIT on one connection, rolled back on any error; the connection goes back. */
export async function inTransaction<T>(
  connection: PoolConnection,
  work: () => Promise<T>,
): Promise<T> {
  try {
    await connection.query('START TRANSACTION');
    const result = await work();
    await connection.query('COMMIT');
    return result;
  } catch (err) {
    await connection.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    connection.release();
  }
}

import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '@app/platform/bigint-columns';

/**
 * One payment counted in the sales DB. The primary key on the paymentId is what makes a
 * redelivered `payment.recorded` change nothing.
 */
@Entity('sales')
export class Sale {
  /** The payment's requestId (lower-case UUID). */
  @PrimaryColumn({ name: 'payment_id', type: 'varchar', length: 36 })
  paymentId!: string;

  @Column({ name: 'customer_id', type: 'varchar', length: 64 })
  customerId!: string;

  @Column({ name: 'policy_id', type: 'varchar', length: 64 })
  policyId!: string;

  /** Minor units of `currency`. */
  @Column({ type: 'bigint', transformer: bigintAsNumber })
  amount!: number;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  /** `YYYY-MM`: the month whose total counts it. */
  @Column({ type: 'varchar', length: 7 })
  period!: string;

  @Column({ name: 'paid_at', type: 'datetime', precision: 3 })
  paidAt!: Date;

  /** When customer-api committed the payment (`payment.recorded`'s recordedAt). */
  @Column({ name: 'recorded_at', type: 'datetime', precision: 3 })
  recordedAt!: Date;

  /** The request that created the payment, to follow it through both services' logs. */
  @Column({ name: 'correlation_id', type: 'varchar', length: 128, nullable: true })
  correlationId!: string | null;

  /** When its `payment.recorded` was published (SQS SentTimestamp); null on older rows. */
  @Column({ name: 'published_at', type: 'datetime', precision: 3, nullable: true })
  publishedAt!: Date | null;

  /** When the worker received that message; null on older rows. */
  @Column({ name: 'received_at', type: 'datetime', precision: 3, nullable: true })
  receivedAt!: Date | null;

  /** When the sales DB stored it: the `recordedAt` of every `sales.recorded` about it. */
  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}

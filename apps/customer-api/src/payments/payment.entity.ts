import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '@app/platform/bigint-columns';

export const PAYMENT_STATUSES = ['PENDING', 'COMPLETED', 'FAILED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

@Entity('payments')
@Index('idx_payments_status_created', ['status', 'createdAt'])
export class Payment {
  /** The requestId: a UUIDv7, so new rows append to the primary key. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** The API client (key name) that created it; `anonymous` when the API runs open. */
  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId!: string;

  @Column({ name: 'customer_id', type: 'varchar', length: 64 })
  customerId!: string;

  @Column({ name: 'policy_id', type: 'varchar', length: 64 })
  policyId!: string;

  /** Minor units (MinorUnits): a BIGINT read and written exactly, never rounded. */
  @Column({ type: 'bigint', transformer: bigintAsNumber })
  amount!: number;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  @Column({ type: 'varchar', length: 7 })
  period!: string;

  @Column({ name: 'paid_at', type: 'datetime', precision: 3 })
  paidAt!: Date;

  @Column({ type: 'varchar', length: 16 })
  status!: PaymentStatus;

  @Column({ name: 'failure_code', type: 'varchar', length: 64, nullable: true })
  failureCode!: string | null;

  @Column({ name: 'failure_message', type: 'varchar', length: 1024, nullable: true })
  failureMessage!: string | null;

  @Column({ name: 'failure_attempts', type: 'int', nullable: true })
  failureAttempts!: number | null;

  @Column({ name: 'correlation_id', type: 'varchar', length: 128 })
  correlationId!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;

  @Column({ name: 'completed_at', type: 'datetime', precision: 3, nullable: true })
  completedAt!: Date | null;

  /** When its `payment.recorded` was last republished because it stayed PENDING (PendingReasker). */
  @Column({ name: 'reasked_at', type: 'datetime', precision: 3, nullable: true })
  reaskedAt?: Date | null;
}

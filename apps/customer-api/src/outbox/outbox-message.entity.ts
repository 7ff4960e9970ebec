import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A message committed with the change it announces and not yet published; the relay deletes it
 * once SQS has accepted it.
 */
@Entity('outbox')
@Index('idx_outbox_parked', ['parkedAt'])
export class OutboxMessage {
  /** A UUIDv7: ordered by creation, and no AUTO_INCREMENT to run out or to differ by engine. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Logical destination (`sales`), resolved to a queue URL by the relay. */
  @Column({ type: 'varchar', length: 64 })
  destination!: string;

  @Column({ type: 'text' })
  body!: string;

  /** JSON of the SQS message attributes. */
  @Column({ type: 'text' })
  attributes!: string;

  /** Times SQS refused this message (an answer, not a timeout or an outage). */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  /** The relay that claimed the row, until `leaseUntil`; after that any relay may claim it. */
  @Column({ name: 'lease_owner', type: 'varchar', length: 36, nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'lease_until', type: 'datetime', precision: 3, nullable: true })
  leaseUntil!: Date | null;

  /** Set once SQS refused it OUTBOX_MAX_ATTEMPTS times: left alone until an operator retries. */
  @Column({ name: 'parked_at', type: 'datetime', precision: 3, nullable: true })
  parkedAt!: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 1024, nullable: true })
  lastError!: string | null;

  /** W3C `traceparent` of the request that wrote the row; the relay's publish continues it. */
  @Column({ name: 'trace_parent', type: 'varchar', length: 128, nullable: true })
  traceParent!: string | null;

  @Column({ name: 'trace_state', type: 'varchar', length: 512, nullable: true })
  traceState!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}

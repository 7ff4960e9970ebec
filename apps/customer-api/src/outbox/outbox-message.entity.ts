import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A message committed with the change it announces and not yet published; the relay deletes it
 * once SQS has accepted it.
 */
@Entity('outbox')
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

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}

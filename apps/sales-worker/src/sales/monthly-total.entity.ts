import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../database/bigint.transformer';

/** The sales of one month in one currency; updated in the transaction that inserts each sale. */
@Entity('monthly_totals')
export class MonthlyTotal {
  /** `YYYY-MM`. */
  @PrimaryColumn({ type: 'varchar', length: 7 })
  period!: string;

  @PrimaryColumn({ type: 'varchar', length: 3 })
  currency!: string;

  /** Sales counted. */
  @Column({ type: 'int' })
  count!: number;

  /** Sum of their amounts, in minor units. */
  @Column({ type: 'bigint', transformer: bigintAsNumber })
  amount!: number;
}

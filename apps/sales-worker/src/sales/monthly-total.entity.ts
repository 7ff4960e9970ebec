import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsDecimalString } from '@app/platform/bigint-columns';

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

  /**
   * Sum of their amounts, in minor units, as decimal digits: it passes 2^53 (MinorUnitsTotal).
   * On SQLite a value past 2^53 reads exactly only through `CAST(amount AS CHAR)`.
   */
  @Column({ type: 'bigint', transformer: bigintAsDecimalString })
  amount!: string;
}

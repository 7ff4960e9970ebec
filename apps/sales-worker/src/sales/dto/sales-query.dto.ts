import { IsString, Matches } from 'class-validator';
import { PERIOD_PATTERN } from '@app/contracts';

/** Query of GET /sales. */
export class SalesQueryDto {
  /** `YYYY-MM`. */
  @IsString()
  @Matches(PERIOD_PATTERN, { message: 'period must be a month as YYYY-MM' })
  period!: string;
}

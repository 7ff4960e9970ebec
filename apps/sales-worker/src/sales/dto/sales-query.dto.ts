import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { PERIOD_PATTERN } from '@app/contracts';

/** Query of GET /sales. */
export class SalesQueryDto {
  /** `YYYY-MM`. One rule, so a missing or malformed period is one error, not two. */
  @ApiProperty({ pattern: PERIOD_PATTERN.source, example: '2026-11', description: 'The month' })
  @Matches(PERIOD_PATTERN, { message: 'period is required, a month as YYYY-MM' })
  period!: string;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsRFC3339, IsString, Matches, Max, Min } from 'class-validator';
import {
  AMOUNT_MAX,
  AMOUNT_MIN,
  IDENTIFIER_PATTERN,
  IsCurrencyCode,
  PERIOD_PATTERN,
} from '@app/contracts';

const IDENTIFIER_MESSAGE = '$property must be 1-64 characters of A-Z a-z 0-9 . _ -';

/** Body of POST /payments. */
export class CreatePaymentDto {
  @ApiProperty({ pattern: IDENTIFIER_PATTERN.source, example: 'cust-42' })
  @IsString()
  @Matches(IDENTIFIER_PATTERN, { message: IDENTIFIER_MESSAGE })
  customerId!: string;

  @ApiProperty({ pattern: IDENTIFIER_PATTERN.source, example: 'pol-7' })
  @IsString()
  @Matches(IDENTIFIER_PATTERN, { message: IDENTIFIER_MESSAGE })
  policyId!: string;

  /** Integer in the currency's minor unit (cents for USD). */
  @ApiProperty({ type: 'integer', minimum: AMOUNT_MIN, maximum: AMOUNT_MAX, example: 12500 })
  @IsInt({ message: 'amount must be an integer number of minor units' })
  @Min(AMOUNT_MIN)
  @Max(AMOUNT_MAX)
  amount!: number;

  @ApiProperty({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, as Intl knows it', example: 'USD' })
  @IsString()
  @IsCurrencyCode()
  currency!: string;

  /** RFC 3339; defaults to now; at most 5 minutes in the future. */
  @ApiPropertyOptional({ format: 'date-time', example: '2026-11-26T10:00:00Z' })
  @IsOptional()
  @IsString()
  @IsRFC3339({ message: 'paidAt must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z' })
  paidAt?: string;

  /** `YYYY-MM`; defaults to the UTC month of paidAt. */
  @ApiPropertyOptional({ pattern: PERIOD_PATTERN.source, example: '2026-11' })
  @IsOptional()
  @IsString()
  @Matches(PERIOD_PATTERN, { message: 'period must be a month as YYYY-MM' })
  period?: string;
}

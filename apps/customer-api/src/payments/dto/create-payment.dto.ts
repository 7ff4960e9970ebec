import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsInt, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import {
  AMOUNT_MAX,
  AMOUNT_MIN,
  IDENTIFIER_PATTERN,
  IsCurrencyCode,
  IsRfc3339Timestamp,
  PERIOD_PATTERN,
} from '@app/contracts';

/**
 * Optional fields may be left out, but `null` is not a timestamp nor a month: unlike
 * `@IsOptional()`, which lets `null` through, only an absent field skips validation.
 */
const isPresent = (_dto: object, value: unknown): boolean => value !== undefined;

const IDENTIFIER_MESSAGE = '$property must be 1-64 characters of A-Z a-z 0-9 . _ -';

/** Body of POST /payments. */
@ApiSchema({ name: 'NewPayment' })
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
  @ApiProperty({
    type: 'integer',
    minimum: AMOUNT_MIN,
    maximum: AMOUNT_MAX,
    description: 'Minor units, a JSON integer (never a float or a string); exact up to the maximum',
    example: 12500,
  })
  @IsInt({ message: 'amount must be an integer number of minor units' })
  @Min(AMOUNT_MIN)
  @Max(AMOUNT_MAX)
  amount!: number;

  @ApiProperty({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, as Intl knows it', example: 'USD' })
  @IsString()
  @IsCurrencyCode()
  currency!: string;

  /** RFC 3339; defaults to now; at most 5 minutes in the future. May be absent, never null. */
  @ApiPropertyOptional({ format: 'date-time', example: '2026-11-26T10:00:00Z' })
  @ValidateIf(isPresent)
  @IsString()
  @IsRfc3339Timestamp({
    message:
      'paidAt must be an RFC 3339 timestamp of a day that exists, such as 2026-01-31T12:00:00Z',
  })
  paidAt?: string;

  /** `YYYY-MM`; defaults to the UTC month of paidAt. May be absent, never null. */
  @ApiPropertyOptional({ pattern: PERIOD_PATTERN.source, example: '2026-11' })
  @ValidateIf(isPresent)
  @IsString()
  @Matches(PERIOD_PATTERN, { message: 'period must be a month as YYYY-MM' })
  period?: string;
}

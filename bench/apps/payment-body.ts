import { IsInt, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import {
  AMOUNT_MAX,
  AMOUNT_MIN,
  IDENTIFIER_PATTERN,
  IsCurrencyCode,
  IsRfc3339Timestamp,
  PERIOD_PATTERN,
} from '@app/contracts';

const isPresent = (_body: object, value: unknown): boolean => value !== undefined;

/**
 * The body of POST /payments as the public contract (docs/openapi/, CONTRACT.md) states it,
 * with the rules of `@app/contracts`: the bench's apps validate what customer-api validates
 * without importing customer-api's own DTO.
 */
export class PaymentBodyRules {
  @IsString()
  @Matches(IDENTIFIER_PATTERN)
  customerId!: string;

  @IsString()
  @Matches(IDENTIFIER_PATTERN)
  policyId!: string;

  @IsInt()
  @Min(AMOUNT_MIN)
  @Max(AMOUNT_MAX)
  amount!: number;

  @IsString()
  @IsCurrencyCode()
  currency!: string;

  @ValidateIf(isPresent)
  @IsString()
  @IsRfc3339Timestamp()
  paidAt?: string;

  @ValidateIf(isPresent)
  @IsString()
  @Matches(PERIOD_PATTERN)
  period?: string;
}

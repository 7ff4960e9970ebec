import {
  IsIn,
  IsInt,
  IsISO8601,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import {
  AMOUNT_MAX,
  AMOUNT_MIN,
  IDENTIFIER_PATTERN,
  IsCurrencyCode,
  PERIOD_PATTERN,
} from './rules';

export const PAYMENT_RECORDED = 'payment.recorded';
export const SALES_RECORDED = 'sales.recorded';
export const SALES_FAILED = 'sales.failed';

/** Every message body carries its `type` and `version`. */
abstract class ContractMessage {
  abstract readonly type: string;
  @IsIn([1])
  readonly version = 1 as const;
}

/** Queue `sales`: a payment accepted by customer-api, to be counted once in the sales DB. */
export class PaymentRecordedV1 extends ContractMessage {
  @IsIn([PAYMENT_RECORDED])
  readonly type = PAYMENT_RECORDED;
  /** The payment's requestId, a UUID. */
  @IsUUID()
  paymentId!: string;
  @Matches(IDENTIFIER_PATTERN)
  customerId!: string;
  @Matches(IDENTIFIER_PATTERN)
  policyId!: string;
  /** Integer amount in the currency's minor unit. */
  @IsInt()
  @Min(AMOUNT_MIN)
  @Max(AMOUNT_MAX)
  amount!: number;
  /** ISO 4217 code. */
  @IsCurrencyCode()
  currency!: string;
  /** `YYYY-MM`, the month the payment covers. */
  @Matches(PERIOD_PATTERN)
  period!: string;
  /** RFC 3339 instant the customer paid. */
  @IsISO8601({ strict: true, strictSeparator: true })
  paidAt!: string;
  /** RFC 3339 instant customer-api committed the payment. */
  @IsISO8601({ strict: true, strictSeparator: true })
  recordedAt!: string;
}

/** Queue `payment-status`: the sales DB holds the payment. */
export class SalesRecordedV1 extends ContractMessage {
  @IsIn([SALES_RECORDED])
  readonly type = SALES_RECORDED;
  @IsUUID()
  paymentId!: string;
  /** RFC 3339 instant the sales DB committed the payment. */
  @IsISO8601({ strict: true, strictSeparator: true })
  recordedAt!: string;
}

/** Queue `payment-status`: sales-worker gave up on the payment. */
export class SalesFailedV1 extends ContractMessage {
  @IsIn([SALES_FAILED])
  readonly type = SALES_FAILED;
  @IsUUID()
  paymentId!: string;
  /** Stable machine-readable reason, e.g. `INVALID_MESSAGE`, `RETRIES_EXHAUSTED`. */
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  code!: string;
  @IsString()
  @MaxLength(1024)
  message!: string;
  /** How many deliveries were tried. */
  @IsInt()
  @Min(1)
  attempts!: number;
}

export type PaymentStatusMessage = SalesRecordedV1 | SalesFailedV1;
export type ContractMessageType = PaymentRecordedV1 | SalesRecordedV1 | SalesFailedV1;

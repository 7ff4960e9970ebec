import { Matches, ValidateIf } from 'class-validator';
import { InvalidInputDetail } from '@app/platform/validation';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The same rule as IDEMPOTENCY_KEY, in the OpenAPI document. */
export const IDEMPOTENCY_KEY_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  pattern: '^[\\x21-\\x7e]+$',
} as const;

/**
 * Headers of POST /payments (read by `@RequestHeaders`, so named as the client sends them and
 * as a 400 names them). The key is optional; when present, it is compared byte for byte.
 */
@InvalidInputDetail('the Idempotency-Key header is invalid')
export class IdempotencyKeyHeaderDto {
  @ValidateIf((_dto: object, value: unknown) => value !== undefined)
  @Matches(IDEMPOTENCY_KEY, { message: 'Idempotency-Key must be 1-255 visible ASCII characters' })
  'Idempotency-Key'?: string;
}

import { isRFC3339 } from 'class-validator';
import {
  AMOUNT_MAX,
  AMOUNT_MIN,
  IDENTIFIER_PATTERN,
  isCurrencyCode,
  PERIOD_PATTERN,
} from '@app/contracts';

/**
 * The contract's rules for POST /payments, written out independently of the API's DTO, so the
 * fuzzer can tell a bad request (which must get a 4xx) from one it generated valid by chance
 * (which it drops: the suite must not write rows). The character-level rules (identifiers,
 * currency codes, periods) are the contract's own constants.
 */
const FIELDS = new Set(['customerId', 'policyId', 'amount', 'currency', 'paidAt', 'period']);
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** Visible ASCII, 1-255 characters: the Idempotency-Key rule. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function isIdentifier(value: unknown): boolean {
  return typeof value === 'string' && IDENTIFIER_PATTERN.test(value);
}

/** RFC 3339 §5.7: the day must exist in its month (no 30 February rolling into March). */
function isCalendarDate(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  return day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isPaidAt(value: unknown): boolean {
  if (typeof value !== 'string' || !isRFC3339(value) || !isCalendarDate(value)) {
    return false;
  }
  const time = Date.parse(value);
  return Number.isFinite(time) && time >= 0 && time <= Date.now() + MAX_CLOCK_SKEW_MS;
}

/**
 * True when `body` (parsed JSON) is a valid payment. An optional field that is present must be
 * valid: `null` is not an RFC 3339 timestamp nor a `YYYY-MM` month.
 */
export function isValidPayment(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return false;
  }
  const fields = body as Record<string, unknown>;
  const has = (name: string) => Object.prototype.hasOwnProperty.call(fields, name);
  return (
    Object.keys(fields).every((name) => FIELDS.has(name)) &&
    isIdentifier(fields.customerId) &&
    isIdentifier(fields.policyId) &&
    typeof fields.amount === 'number' &&
    Number.isInteger(fields.amount) &&
    fields.amount >= AMOUNT_MIN &&
    fields.amount <= AMOUNT_MAX &&
    isCurrencyCode(fields.currency) &&
    (!has('paidAt') || isPaidAt(fields.paidAt)) &&
    (!has('period') || (typeof fields.period === 'string' && PERIOD_PATTERN.test(fields.period)))
  );
}

/** True when the bytes are a JSON text holding a valid payment. */
export function isValidPaymentText(text: Buffer | string): boolean {
  try {
    return isValidPayment(JSON.parse(text.toString()));
  } catch {
    return false;
  }
}

/** As the server sees a header value: Latin-1 bytes, optional whitespace around trimmed. */
export function isValidIdempotencyKey(raw: Buffer): boolean {
  return IDEMPOTENCY_KEY.test(raw.toString('latin1').replace(/^[ \t]+|[ \t]+$/g, ''));
}

/** JSON media types the API reads: `application/json`, any case, any parameters. */
export function isJsonMediaType(value: string): boolean {
  return value.split(';')[0].trim().toLowerCase() === 'application/json';
}

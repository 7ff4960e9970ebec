import { isRFC3339, registerDecorator, ValidationOptions } from 'class-validator';

/** Identifiers (customerId, policyId): 1–64 characters of `A-Z a-z 0-9 . _ -`. */
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** A month as `YYYY-MM`. */
export const PERIOD_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;
/** Amounts are integers in the currency's minor unit. */
export const AMOUNT_MIN = 1;
export const AMOUNT_MAX = 100_000_000_000;

const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export function isCurrencyCode(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Z]{3}$/.test(value) && CURRENCIES.has(value);
}

export function IsCurrencyCode(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isCurrencyCode',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: '$property must be an ISO 4217 currency code such as USD',
        ...options,
      },
      validator: { validate: isCurrencyCode },
    });
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * An RFC 3339 date-time whose day exists (§5.7: `2026-02-30` is not a date, though the syntax
 * allows it and `Date` would roll it over to 2 March).
 */
export function isRfc3339Timestamp(value: unknown): value is string {
  if (typeof value !== 'string' || !isRFC3339(value)) {
    return false;
  }
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]);
}

export function IsRfc3339Timestamp(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isRfc3339Timestamp',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: '$property must be an RFC 3339 timestamp of a day that exists',
        ...options,
      },
      validator: { validate: isRfc3339Timestamp },
    });
}

/** The UTC month (`YYYY-MM`) of an instant. */
export function periodOf(instant: Date): string {
  return instant.toISOString().slice(0, 7);
}

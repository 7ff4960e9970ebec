import { registerDecorator, ValidationOptions } from 'class-validator';

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

/** The UTC month (`YYYY-MM`) of an instant. */
export function periodOf(instant: Date): string {
  return instant.toISOString().slice(0, 7);
}

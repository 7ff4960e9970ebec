import { AMOUNT_MAX } from './rules';

/**
 * The one rule for money on the wire, in both services and every message:
 *
 * - **One payment's amount** is a JSON integer of minor units, `AMOUNT_MIN`…`AMOUNT_MAX`
 *   (1e11 < 2^53, so every JSON parser holds it exactly): `MinorUnits`.
 * - **A sum of amounts** (a monthly total) is a string of decimal digits (`"9007199254740993"`):
 *   `MinorUnitsTotal`. Sums pass 2^53 (about 90,000 maximum payments in one month and
 *   currency), where a JSON number would be rounded by JavaScript and most JSON parsers.
 *
 * In the databases both are BIGINT (signed 64 bits: totals up to 9223372036854775807); sums
 * are computed by the database or as `bigint`, never as a JavaScript `number`.
 */
export type MinorUnits = number;
export type MinorUnitsTotal = string;

export const TOTAL_PATTERN = /^(0|[1-9][0-9]*)$/;

export function isMinorUnits(value: unknown): value is MinorUnits {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= AMOUNT_MAX;
}

export function isMinorUnitsTotal(value: unknown): value is MinorUnitsTotal {
  return typeof value === 'string' && TOTAL_PATTERN.test(value);
}

/**
 * A total as the contract writes it. Strict: a `number` is accepted only while it is a safe
 * integer (past 2^53 it may already be rounded), a string only as plain decimal digits.
 */
export function toMinorUnitsTotal(value: bigint | number | string): MinorUnitsTotal {
  const text =
    typeof value === 'number' && !Number.isSafeInteger(value) ? undefined : String(value);
  if (text === undefined || !isMinorUnitsTotal(text)) {
    throw new RangeError(`${String(value)} is not an exact total of minor units`);
  }
  return text;
}

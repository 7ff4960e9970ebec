import type { ValueTransformer } from 'typeorm';

/**
 * BIGINT columns, read and written without ever rounding: mysql2 (`supportBigNumbers`) hands
 * back a number while it is exact and a string past 2^53; better-sqlite3 a number (so a value
 * past 2^53 must be read with `CAST(… AS CHAR)`). A value that cannot be held exactly throws.
 */
function exact(value: string | number | bigint): bigint {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`${value} is not an exact integer`);
  }
  if (typeof value === 'string' && !/^-?\d+$/.test(value)) {
    throw new RangeError(`${value} is not an integer`);
  }
  return BigInt(value);
}

function safeNumber(value: bigint): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) {
    throw new RangeError(`${value} is beyond the integers a number holds exactly`);
  }
  return number;
}

/** A BIGINT that is always a safe integer, as a `number` (one payment's amount). */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) =>
    value === null || value === undefined ? value : safeNumber(exact(value)),
  from: (value: string | number | bigint | null) =>
    value === null ? null : safeNumber(exact(value)),
};

/** A BIGINT of any size, as a string of decimal digits (a total of many amounts). */
export const bigintAsDecimalString: ValueTransformer = {
  to: (value: string | null | undefined) =>
    value === null || value === undefined ? value : exact(value).toString(),
  from: (value: string | number | bigint | null) =>
    value === null ? null : exact(value).toString(),
};

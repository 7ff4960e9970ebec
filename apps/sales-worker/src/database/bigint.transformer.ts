import type { ValueTransformer } from 'typeorm';

/**
 * BIGINT amounts in minor units as JavaScript numbers. mysql2 (supportBigNumbers) hands back a
 * string once a value no longer fits a double exactly: refuse it rather than round money.
 */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => {
    if (value === null) {
      return null;
    }
    const number = Number(value);
    if (!Number.isSafeInteger(number)) {
      throw new RangeError(`${String(value)} is beyond the integers a number holds exactly`);
    }
    return number;
  },
};

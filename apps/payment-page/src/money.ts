/** The digits after the decimal point of a currency's minor unit: 2 for USD, 0 for JPY. */
export function minorDigitsOf(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits as number;
}

const AMOUNT = /^(\d{1,15})(?:[.,](\d+))?$/;

/**
 * An amount typed in major units ("123.45") as an integer of minor units for `currency`
 * (12345 for USD), worked out on the digits so no float rounding creeps in; or the reason it is
 * not one.
 */
export function toMinorUnits(text: string, currency: string): number | { error: string } {
  const match = AMOUNT.exec(text.trim().replace(/[\s_]/g, ''));
  if (!match) {
    return { error: 'Enter an amount such as 123.45' };
  }
  const digits = minorDigitsOf(currency);
  const fraction = match[2] ?? '';
  if (fraction.length > digits) {
    return {
      error:
        digits === 0
          ? `${currency} has no minor unit: enter a whole amount`
          : `${currency} has ${digits} decimal places at most`,
    };
  }
  const minor = Number(match[1] + fraction.padEnd(digits, '0'));
  if (!Number.isSafeInteger(minor) || minor < 1) {
    return { error: 'Enter an amount greater than zero' };
  }
  return minor;
}

/** Minor units as a person reads them: 12345 USD → "$123.45". */
export function formatMinor(amount: number, currency: string): string {
  const digits = minorDigitsOf(currency);
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(
    amount / 10 ** digits,
  );
}

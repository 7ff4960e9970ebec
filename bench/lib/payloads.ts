/** A POST /payments body. */
export interface PaymentBody {
  customerId: string;
  policyId: string;
  amount: number;
  currency: string;
  period: string;
}

const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY'] as const;

/**
 * Bodies for one phase: a unique customerId each (so no two requests are alike), a few
 * currencies, and the phase's own `period`, so the phase's totals can be checked on their own in
 * the sales DB while the month's total row stays the hot row it is in production.
 */
export class Payloads {
  private next = 0;

  constructor(
    private readonly tag: string,
    readonly period: string,
  ) {}

  body(): PaymentBody {
    const n = this.next++;
    return {
      customerId: `c-${this.tag}-${n}`,
      policyId: `pol-${n % 997}`,
      amount: 100 + ((n * 7919) % 99_900),
      currency: CURRENCIES[n % CURRENCIES.length],
      period: this.period,
    };
  }

  get issued(): number {
    return this.next;
  }
}

/** Running per-currency totals of what was answered 202, to check the sales DB against. */
export class Totals {
  private readonly byCurrency = new Map<string, { count: number; amount: number }>();

  add(body: Pick<PaymentBody, 'currency' | 'amount'>): void {
    const total = this.byCurrency.get(body.currency) ?? { count: 0, amount: 0 };
    total.count += 1;
    total.amount += body.amount;
    this.byCurrency.set(body.currency, total);
  }

  get count(): number {
    let count = 0;
    for (const total of this.byCurrency.values()) {
      count += total.count;
    }
    return count;
  }

  toList(): { currency: string; count: number; amount: number }[] {
    return [...this.byCurrency.entries()]
      .map(([currency, t]) => ({ currency, ...t }))
      .sort((a, b) => a.currency.localeCompare(b.currency));
  }
}

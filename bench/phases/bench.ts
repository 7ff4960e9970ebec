import { closedLoop, LoadResult } from '../lib/load';
import { Payloads, Totals } from '../lib/payloads';
import type { Check, Row } from '../lib/report';
import type { System } from '../lib/system';
import type { Settings } from './settings';

export interface Ceilings {
  raw?: number;
  noop?: number;
  noopP50?: number;
  noopP99?: number;
}

/**
 * What the phases share: the system, the settings, the ceilings for ratios, and where rows,
 * checks, results and headline figures (for side-by-side comparisons) are collected.
 */
export class Bench {
  readonly rows: Row[] = [];
  readonly checks: Check[] = [];
  readonly results: Record<string, unknown> = {};
  /** A few figures per phase, by name, for bench/compare.ts. */
  readonly headline: Record<string, number> = {};
  readonly ceilings: Ceilings = {};
  private month = 0;

  constructor(
    readonly system: System,
    readonly settings: Settings,
    readonly runTag: string,
  ) {}

  /** A month of its own for each load (`2040-01`, `2040-02`, …): its totals stand apart. */
  private period(): string {
    const m = this.month++;
    return `${2040 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
  }

  payloads(label: string): Payloads {
    return new Payloads(`${this.runTag}-${label}`, this.period());
  }

  get api(): string {
    if (!this.system.api) {
      throw new Error('customer-api is not running');
    }
    return this.system.api.url;
  }

  get c(): number {
    return this.settings.httpConnections;
  }

  closed(
    url: string,
    payloads: Payloads,
    options: { durationS?: number; amount?: number; totals?: Totals; expectStatus?: number },
  ): Promise<LoadResult> {
    return closedLoop({
      url,
      path: '/payments',
      body: () => payloads.body(),
      expectStatus: options.expectStatus ?? 202,
      totals: options.totals,
      connections: this.c,
      durationS: options.durationS,
      amount: options.amount,
    });
  }
}

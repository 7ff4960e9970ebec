/**
 * At most `limit` units of work at once (a call holds `weight` of them); the others wait, first
 * come first served.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: { weight: number; admit: () => void }[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`a semaphore needs a limit of at least 1, not ${limit}`);
    }
  }

  async run<T>(work: () => Promise<T>, weight = 1): Promise<T> {
    if (!Number.isInteger(weight) || weight < 1 || weight > this.limit) {
      throw new RangeError(`a weight must be from 1 to ${this.limit}, not ${weight}`);
    }
    if (this.waiting.length > 0 || this.active + weight > this.limit) {
      // Its units are counted by release(), so `active` never drops between two holders.
      await new Promise<void>((admit) => this.waiting.push({ weight, admit }));
    } else {
      this.active += weight;
    }
    try {
      return await work();
    } finally {
      this.release(weight);
    }
  }

  private release(weight: number): void {
    this.active -= weight;
    while (this.waiting.length > 0 && this.active + this.waiting[0].weight <= this.limit) {
      const next = this.waiting.shift()!;
      this.active += next.weight;
      next.admit();
    }
  }
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A token bucket: `ratePerSecond` tokens a second, at most `burst` saved up. Each `take()`
 * reserves the next token at once, even one not yet refilled (the balance goes negative), so
 * callers are served in order and never more than `burst + rate × t` pass in any `t` seconds.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) {
      throw new RangeError('a token bucket needs a positive rate and a burst of at least 1');
    }
    this.tokens = burst;
    this.updatedAt = clock.now();
  }

  /** Reserves `count` tokens and answers how many milliseconds to wait until the last is due. */
  reserve(count = 1): number {
    const now = this.clock.now();
    const refilled = ((now - this.updatedAt) / 1000) * this.ratePerSecond;
    this.tokens = Math.min(this.burst, this.tokens + refilled) - count;
    this.updatedAt = now;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.ratePerSecond) * 1000);
  }

  async take(count = 1): Promise<void> {
    const waitMs = this.reserve(count);
    if (waitMs > 0) {
      await this.clock.sleep(waitMs);
    }
  }
}

export interface ThrottleOptions {
  /** Calls running at once. */
  concurrency: number;
  /** Calls started per second, at most; 0 = unlimited. */
  ratePerSecond: number;
}

/**
 * Backpressure in front of a downstream (the sales DB): a concurrency limit and an optional rate
 * cap, counted in items (a call may carry several). The burst is one second's worth, so a full
 * batch is not let through at once.
 */
export class Throttle {
  private readonly slots: Semaphore;
  private readonly bucket?: TokenBucket;
  /** The most items one call may carry: within both the concurrency and the burst. */
  readonly maxItems: number;

  constructor({ concurrency, ratePerSecond }: ThrottleOptions, clock?: Clock) {
    this.slots = new Semaphore(concurrency);
    this.maxItems = concurrency;
    if (ratePerSecond > 0) {
      const burst = Math.max(1, ratePerSecond);
      this.bucket = new TokenBucket(ratePerSecond, burst, clock);
      this.maxItems = Math.min(concurrency, Math.floor(burst));
    }
  }

  /** Runs `work` for `items` items (at most maxItems) once their slots and tokens are free. */
  run<T>(work: () => Promise<T>, items = 1): Promise<T> {
    if (items > this.maxItems) {
      throw new RangeError(`a call carries at most ${this.maxItems} items, not ${items}`);
    }
    // The tokens are taken inside the slots: waiting for a slot must not use up tokens.
    return this.slots.run(async () => {
      await this.bucket?.take(items);
      return work();
    }, items);
  }

  /** Splits `items` into the calls run() accepts. */
  chunks<T>(items: readonly T[]): T[][] {
    const chunks: T[][] = [];
    for (let i = 0; i < items.length; i += this.maxItems) {
      chunks.push(items.slice(i, i + this.maxItems));
    }
    return chunks;
  }
}

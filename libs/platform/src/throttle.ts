/** At most `limit` calls of `run` at once; the others wait, first come first served. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`a semaphore needs a limit of at least 1, not ${limit}`);
    }
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      // The slot is handed over by release(), so `active` never drops between two holders.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) {
      next();
    } else {
      this.active -= 1;
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

  /** Reserves a token and answers how many milliseconds to wait until it is due. */
  reserve(): number {
    const now = this.clock.now();
    const refilled = ((now - this.updatedAt) / 1000) * this.ratePerSecond;
    this.tokens = Math.min(this.burst, this.tokens + refilled) - 1;
    this.updatedAt = now;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.ratePerSecond) * 1000);
  }

  async take(): Promise<void> {
    const waitMs = this.reserve();
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
 * cap. The burst is one second's worth, so a full batch is not let through at once.
 */
export class Throttle {
  private readonly slots: Semaphore;
  private readonly bucket?: TokenBucket;

  constructor({ concurrency, ratePerSecond }: ThrottleOptions, clock?: Clock) {
    this.slots = new Semaphore(concurrency);
    if (ratePerSecond > 0) {
      this.bucket = new TokenBucket(ratePerSecond, Math.max(1, ratePerSecond), clock);
    }
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    // The token is taken inside the slot: waiting for a slot must not use up tokens.
    return this.slots.run(async () => {
      await this.bucket?.take();
      return work();
    });
  }
}

import { Logger } from '@nestjs/common';
import { Gauge, register } from 'prom-client';

/** A waiting message or receive loop was told the consumer is stopping. */
export class ConsumerStoppedError extends Error {
  override readonly name = 'ConsumerStoppedError';
  constructor() {
    super('the consumer is stopping');
  }
}

export interface BreakerTiming {
  /** First probe after a pause begins, in ms. */
  probeBaseMs: number;
  /** Longest wait between two probes, in ms. */
  probeMaxMs: number;
}

/**
 * 1 s: a failover blip or a dropped connection is over by then. 15 s at most between probes:
 * a consumer resumes within 15 s of its dependency coming back, and a probe costs one message's
 * work, so probing more often buys little.
 */
export const DEFAULT_BREAKER_TIMING: BreakerTiming = { probeBaseMs: 1_000, probeMaxMs: 15_000 };

export interface PauseEvent {
  dependency: string;
  error: unknown;
}

export interface ResumeEvent {
  dependency: string;
  pausedMs: number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * A consumer's circuit breaker: stops its receive loops while a dependency it needs is failing.
 * `failed` (an infrastructure failure) opens it; the messages in hand then wait in `admit`
 * instead of failing, and the loops in `whenClosed` instead of receiving. After a backoff
 * (1 s, doubling to 15 s) one waiting message is let through as the probe: if it gets past the
 * dependency, or any attempt that began after the pause does, the breaker closes and everything
 * resumes; if it fails the same way, the next probe waits twice as long.
 */
export class ConsumerBreaker {
  private state: 'closed' | 'open' | 'probing' = 'closed';
  private dependency = '';
  private pausedAt = 0;
  private delayMs: number;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private messages: Waiter[] = [];
  private receives: Waiter[] = [];
  private readonly pauseListeners: ((event: PauseEvent) => void)[] = [];
  private readonly resumeListeners: ((event: ResumeEvent) => void)[] = [];

  constructor(private readonly timing: BreakerTiming = DEFAULT_BREAKER_TIMING) {
    this.delayMs = timing.probeBaseMs;
  }

  get paused(): boolean {
    return this.state !== 'closed';
  }

  /** The dependency it is paused for, if paused. */
  get pausedFor(): string | undefined {
    return this.paused ? this.dependency : undefined;
  }

  onPause(listener: (event: PauseEvent) => void): void {
    this.pauseListeners.push(listener);
  }

  onResume(listener: (event: ResumeEvent) => void): void {
    this.resumeListeners.push(listener);
  }

  /** Before a receive: at once unless paused; while paused, until it resumes (or stops). */
  whenClosed(): Promise<void> {
    if (this.state === 'closed' || this.stopped) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.receives.push({ resolve, reject }));
  }

  /**
   * Before each attempt at a message in hand: at once unless paused; while paused, until it
   * resumes or this message's turn to probe comes. Rejects with ConsumerStoppedError on stop.
   */
  admit(): Promise<void> {
    if (this.stopped) {
      return Promise.reject(new ConsumerStoppedError());
    }
    if (this.state === 'closed') {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.messages.push({ resolve, reject }));
  }

  /** An attempt begun at `startedAt` got past every dependency (or failed for its own reasons). */
  succeeded(startedAt: number): void {
    if (this.state !== 'closed' && startedAt >= this.pausedAt) {
      this.close();
    }
  }

  /** An infrastructure failure: pauses the consumer, or makes the next probe wait longer. */
  failed(dependency: string, error: unknown): void {
    if (this.stopped) {
      return;
    }
    if (this.state === 'closed') {
      this.state = 'open';
      this.dependency = dependency;
      this.pausedAt = Date.now();
      this.delayMs = this.timing.probeBaseMs;
      this.pauseListeners.forEach((listener) => listener({ dependency, error }));
      this.schedule();
    } else if (this.state === 'probing') {
      this.state = 'open';
      this.dependency = dependency;
      this.delayMs = Math.min(this.timing.probeMaxMs, this.delayMs * 2);
      this.schedule();
    }
  }

  /** Shutdown: messages waiting are handed back (admit rejects), receive loops let go. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    const messages = this.messages;
    this.messages = [];
    messages.forEach((waiter) => waiter.reject(new ConsumerStoppedError()));
    this.releaseReceives();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.probe(), this.delayMs);
  }

  private probe(): void {
    if (this.state !== 'open' || this.stopped) {
      return;
    }
    const next = this.messages.shift();
    if (!next) {
      // Nothing in hand to probe with: the next receive is the probe.
      this.close();
      return;
    }
    this.state = 'probing';
    next.resolve();
  }

  private close(): void {
    clearTimeout(this.timer);
    const pausedMs = Date.now() - this.pausedAt;
    this.state = 'closed';
    const messages = this.messages;
    this.messages = [];
    messages.forEach((waiter) => waiter.resolve());
    this.releaseReceives();
    this.resumeListeners.forEach((listener) => listener({ dependency: this.dependency, pausedMs }));
  }

  private releaseReceives(): void {
    const receives = this.receives;
    this.receives = [];
    receives.forEach((waiter) => waiter.resolve());
  }
}

const PAUSED_GAUGE = 'consumer_paused';

/**
 * Logs and exposes a consumer's pauses: `consumer_paused{queue,reason}` is 1 while it waits for
 * `reason` (the dependency), 0 once it resumed.
 */
export function reportPauses(breaker: ConsumerBreaker, queue: string): void {
  const logger = new Logger('ConsumerBreaker');
  const gauge =
    (register.getSingleMetric(PAUSED_GAUGE) as Gauge<'queue' | 'reason'> | undefined) ??
    new Gauge({
      name: PAUSED_GAUGE,
      help: '1 while the consumer of `queue` stopped receiving because `reason` (a dependency) is failing',
      labelNames: ['queue', 'reason'],
    });
  breaker.onPause(({ dependency, error }) => {
    gauge.set({ queue, reason: dependency }, 1);
    logger.warn(
      { queue, reason: dependency, err: error },
      `consumer of ${queue} paused: ${dependency} unavailable; messages in hand are kept and retried when it is back`,
    );
  });
  breaker.onResume(({ dependency, pausedMs }) => {
    gauge.set({ queue, reason: dependency }, 0);
    logger.log(
      { queue, reason: dependency, pausedMs },
      `consumer of ${queue} resumed: ${dependency} back after ${(pausedMs / 1000).toFixed(1)} s`,
    );
  });
}

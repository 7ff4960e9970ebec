/**
 * Failed authentications per source address, counted in fixed windows. Checked before a key is
 * compared, so a source that keeps presenting bad keys is refused (429) without being told
 * whether its next guess was right. Per process: the cross-replica limit is the load balancer's
 * WAF rule (docs/security.md).
 */
export class AuthFailureCounter {
  private windowStartedAt = 0;
  private failures = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `source` may try again, or undefined while it is under the limit. */
  blockedFor(source: string): number | undefined {
    this.roll();
    if ((this.failures.get(source) ?? 0) < this.limit) {
      return undefined;
    }
    return Math.max(1, Math.ceil((this.windowStartedAt + this.windowMs - this.now()) / 1000));
  }

  record(source: string): void {
    this.roll();
    this.failures.set(source, (this.failures.get(source) ?? 0) + 1);
  }

  /** One window for every source: memory is bounded by the sources seen in one window. */
  private roll(): void {
    const now = this.now();
    if (now - this.windowStartedAt >= this.windowMs) {
      this.windowStartedAt = now;
      this.failures = new Map();
    }
  }
}

import type { Consumer } from 'sqs-consumer';
import { ConsumerBreaker } from './consumer-breaker';

const PACE_MIN_MS = 250;
const PACE_MAX_MS = 5_000;

/**
 * Spaces out the receives of a queue's loops while SQS cannot be reached. sqs-consumer polls
 * again at once after most failures (it pauses only on authentication errors), so an endpoint
 * that refuses connections made every loop spin and log hundreds of warnings a second
 * (docs/reliability.md). After a failed receive the next waits 250 ms, doubling up to 5 s; the
 * first receive that succeeds ends it.
 *
 * It also holds the consumer's breaker, which stops the receives altogether while a dependency
 * the handler needs (its database, the queue it reports to) is failing.
 */
export class ReceivePacer {
  private failures = 0;

  constructor(readonly breaker: ConsumerBreaker = new ConsumerBreaker()) {}

  /** Before each receive: waits while receives keep failing, and while the consumer is paused. */
  async beforeReceive(): Promise<void> {
    const delay = this.delayMs();
    if (delay > 0) {
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    await this.breaker.whenClosed();
  }

  delayMs(): number {
    return this.failures === 0 ? 0 : Math.min(PACE_MAX_MS, PACE_MIN_MS * 2 ** (this.failures - 1));
  }

  received(): void {
    this.failures = 0;
  }

  /** A consumer's `error` event: a receive failed (not a message: those carry `messages`). */
  failed(err: unknown, messages?: unknown): void {
    if (messages === undefined && (err as { code?: string } | undefined)?.code !== 'AbortError') {
      this.failures += 1;
    }
  }

  /** Follows a loop's receive failures. */
  watch(consumer: Consumer): void {
    consumer.on('error', (err, messages) => this.failed(err, messages));
  }
}

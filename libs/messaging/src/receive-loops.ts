import { Message, SQSClient } from '@aws-sdk/client-sqs';
import { Consumer, ConsumerOptions } from 'sqs-consumer';
import { ConsumerBreaker } from './consumer-breaker';

/** A queue consumer's batch handler: answers the messages to acknowledge. */
export interface BatchHandler {
  handle(messages: Message[]): Promise<Message[]>;
}

export interface ReceiveLoopSettings {
  queueUrl: string;
  sqs: SQSClient;
  batchSize: number;
  waitTimeSeconds: number;
  /** Set on each receive: the time a message stays in hand before the heartbeat extends it. */
  visibilityTimeoutSeconds: number;
  pacer: ReceivePacer;
}

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

/**
 * The options of every receive loop on a queue, @ssut/nestjs-sqs's own and the extra ones:
 * one place, so the loops cannot drift apart.
 */
export function receiveLoopOptions(settings: ReceiveLoopSettings): ConsumerOptions {
  return {
    queueUrl: settings.queueUrl,
    sqs: settings.sqs,
    batchSize: settings.batchSize,
    waitTimeSeconds: settings.waitTimeSeconds,
    visibilityTimeout: settings.visibilityTimeoutSeconds,
    // A failed message's visibility is the backoff the BatchProcessor set: the consumer must
    // not reset it to 0.
    terminateVisibilityTimeout: false,
    messageAttributeNames: ['All'],
    // SentTimestamp: sales-worker keeps it with each sale, to time the relay's hop (bench/).
    messageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
    preReceiveMessageCallback: () => settings.pacer.beforeReceive(),
    postReceiveMessageCallback: () => Promise.resolve(settings.pacer.received()),
  };
}

/**
 * More receive loops on the same queue and handler. An sqs-consumer loop receives a batch,
 * handles it, deletes it and only then receives again: one loop leaves the handler idle for
 * every round trip and caps a queue's drain at one batch per round. Each extra loop holds a
 * batch of its own, so receives and deletes overlap with the handling of other batches.
 */
export function createReceiveLoops(
  count: number,
  settings: ReceiveLoopSettings,
  handler: BatchHandler,
): Consumer[] {
  return Array.from({ length: count }, () =>
    Consumer.create({
      ...receiveLoopOptions(settings),
      handleMessageBatch: (messages) => handler.handle(messages),
    }),
  );
}

import { ChangeMessageVisibilityBatchCommand, Message, SQSClient } from '@aws-sdk/client-sqs';

export interface HeartbeatOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** What each beat sets the visibility of a held message to, in seconds. */
  visibilityTimeoutSeconds: number;
  /** Called when a beat could not extend (the message may then be delivered again). */
  onError?: (err: unknown) => void;
}

/**
 * Keeps the messages in hand invisible to other consumers while they wait (for a rate cap, a
 * slot, a paused consumer) or are handled: every third of the visibility timeout, each message
 * still held gets the whole timeout again. A message done with (acknowledged, or given its own
 * retry delay) is let go first. A fast handler never beats at all.
 *
 * LocalStack (issue #12954, open) refuses DeleteMessage with a receipt handle whose visibility
 * was extended past its first deadline, so the message comes back once more after a long hold:
 * the consumers absorb that redelivery (sales-worker's dedup, customer-api's forward-only status).
 */
export class VisibilityHeartbeat {
  private readonly held = new Map<string, Message>();
  private timer?: NodeJS.Timeout;
  private beating: Promise<void> = Promise.resolve();

  constructor(private readonly options: HeartbeatOptions) {}

  /** Milliseconds between beats: a third of the timeout, so two beats can fail before it ends. */
  get intervalMs(): number {
    return Math.max(1_000, Math.floor((this.options.visibilityTimeoutSeconds * 1000) / 3));
  }

  hold(messages: readonly Message[]): void {
    for (const message of messages) {
      if (message.ReceiptHandle) {
        this.held.set(message.ReceiptHandle, message);
      }
    }
    if (!this.timer && this.held.size > 0) {
      this.timer = setInterval(() => {
        this.beating = this.beat();
      }, this.intervalMs);
    }
  }

  release(message: Message): void {
    if (message.ReceiptHandle) {
      this.held.delete(message.ReceiptHandle);
    }
  }

  /** Stops beating; resolves once a beat under way has ended, so it cannot undo a later change. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.held.clear();
    await this.beating;
  }

  private async beat(): Promise<void> {
    const messages = [...this.held.values()];
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      try {
        const result = await this.options.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.options.queueUrl,
            Entries: chunk.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: this.options.visibilityTimeoutSeconds,
            })),
          }),
        );
        if (result.Failed && result.Failed.length > 0) {
          this.options.onError?.(
            new Error(`ChangeMessageVisibility refused: ${result.Failed[0].Code ?? '?'}`),
          );
        }
      } catch (err) {
        this.options.onError?.(err);
      }
    }
  }
}

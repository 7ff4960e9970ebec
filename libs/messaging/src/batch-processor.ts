import {
  ChangeMessageVisibilityBatchCommand,
  Message,
  MessageAttributeValue,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PermanentMessageError, readMetadata } from '@app/contracts';
import { isLastAttempt, retryDelaySeconds, RetryPolicy } from './retry-policy';

/** Why a message is given up on, as reported to `onGiveUp` and stamped on its DLQ copy. */
export interface GiveUp {
  code: string;
  message: string;
  attempts: number;
  /** Set when the body could still be read. */
  paymentId?: string;
  /** True when the message can never succeed (moved to the DLQ at once). */
  permanent: boolean;
}

export interface ReceivedMessage {
  raw: Message;
  attempt: number;
  correlationId?: string;
}

export interface BatchProcessorOptions {
  sqs: SQSClient;
  queueUrl: string;
  deadLetterQueueUrl: string;
  retry: RetryPolicy;
  /** Runs before a message is dead-lettered (e.g. to report `sales.failed`); may throw to retry. */
  onGiveUp?: (message: ReceivedMessage, reason: GiveUp) => Promise<void>;
  onTransientError?: (message: ReceivedMessage, err: unknown, delaySeconds: number) => void;
}

/** Attribute names added to a message copied to the DLQ by the worker itself. */
export const FAILURE_ATTRIBUTES = {
  code: 'failureCode',
  reason: 'failureReason',
  attempts: 'failureAttempts',
} as const;

export function receiveCountOf(message: Message): number {
  const count = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
  return Number.isFinite(count) && count > 0 ? count : 1;
}

function asGiveUp(err: unknown, attempts: number, permanent: boolean): GiveUp {
  if (err instanceof PermanentMessageError) {
    return { code: err.code, message: err.message, attempts, paymentId: err.paymentId, permanent };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'RETRIES_EXHAUSTED', message: message.slice(0, 1024), attempts, permanent };
}

/**
 * Decides the fate of each message of a received batch, so that one message never holds up the
 * others:
 * - handled: acknowledged (returned, so the consumer deletes it);
 * - PermanentMessageError: copied to the DLQ with its reason, then acknowledged;
 * - any other error: left on the queue, invisible for an exponential backoff set with
 *   ChangeMessageVisibility; on the delivery that reaches maxReceiveCount `onGiveUp` runs and
 *   the message is made visible again so the redrive policy moves it to the DLQ.
 */
export class BatchProcessor {
  constructor(private readonly options: BatchProcessorOptions) {}

  async process(
    messages: readonly Message[],
    handle: (message: ReceivedMessage) => Promise<void>,
  ): Promise<Message[]> {
    const acked: Message[] = [];
    const delays: { message: Message; seconds: number }[] = [];
    await Promise.all(
      messages.map(async (raw) => {
        const received: ReceivedMessage = {
          raw,
          attempt: receiveCountOf(raw),
          correlationId: readMetadata(raw.MessageAttributes).correlationId,
        };
        try {
          await handle(received);
          acked.push(raw);
        } catch (err) {
          const outcome = await this.onFailure(received, err);
          if (outcome === 'ack') {
            acked.push(raw);
          } else {
            delays.push({ message: raw, seconds: outcome.delaySeconds });
          }
        }
      }),
    );
    await this.changeVisibility(delays);
    return acked;
  }

  private async onFailure(
    received: ReceivedMessage,
    err: unknown,
  ): Promise<'ack' | { delaySeconds: number }> {
    const { retry, onGiveUp, onTransientError } = this.options;
    if (err instanceof PermanentMessageError) {
      const reason = asGiveUp(err, received.attempt, true);
      try {
        await onGiveUp?.(received, reason);
        await this.copyToDeadLetterQueue(received.raw, reason);
        return 'ack';
      } catch (reportErr) {
        // Reporting or the DLQ is unreachable: keep the message and try again later.
        return this.backoff(received, reportErr);
      }
    }
    if (isLastAttempt(received.attempt, retry)) {
      try {
        await onGiveUp?.(received, asGiveUp(err, received.attempt, false));
      } catch (reportErr) {
        onTransientError?.(received, reportErr, 0);
      }
      // Visible at once: the next receive exceeds maxReceiveCount and SQS dead-letters it.
      return { delaySeconds: 0 };
    }
    return this.backoff(received, err);
  }

  private backoff(received: ReceivedMessage, err: unknown): { delaySeconds: number } {
    const delaySeconds = retryDelaySeconds(received.attempt, this.options.retry);
    this.options.onTransientError?.(received, err, delaySeconds);
    return { delaySeconds };
  }

  private async copyToDeadLetterQueue(message: Message, reason: GiveUp): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {
      ...(message.MessageAttributes ?? {}),
      [FAILURE_ATTRIBUTES.code]: { DataType: 'String', StringValue: reason.code },
      [FAILURE_ATTRIBUTES.reason]: { DataType: 'String', StringValue: reason.message || '-' },
      [FAILURE_ATTRIBUTES.attempts]: { DataType: 'Number', StringValue: String(reason.attempts) },
    };
    await this.options.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.options.deadLetterQueueUrl,
        MessageBody: message.Body ?? '',
        MessageAttributes: attributes,
      }),
    );
  }

  private async changeVisibility(delays: { message: Message; seconds: number }[]): Promise<void> {
    for (let i = 0; i < delays.length; i += 10) {
      const chunk = delays.slice(i, i + 10);
      // A failure here only means the message comes back after its default visibility timeout.
      await this.options.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.options.queueUrl,
            Entries: chunk.map(({ message, seconds }, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: seconds,
            })),
          }),
        )
        .catch(() => undefined);
    }
  }
}

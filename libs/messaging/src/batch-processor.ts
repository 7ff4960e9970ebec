import {
  ChangeMessageVisibilityBatchCommand,
  Message,
  MessageAttributeValue,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context } from '@opentelemetry/api';
import { PermanentMessageError, readMetadata } from '@app/contracts';
import { inContext, ProcessSpan, startProcessSpan, traceBatch } from '@app/telemetry/messaging';
import { ConsumerBreaker, ConsumerStoppedError } from './consumer-breaker';
import { DependencyUnavailableError, FailureKind } from './failure-kind';
import { isLastAttempt, retryDelaySeconds, RetryPolicy } from './retry-policy';
import { VisibilityHeartbeat } from './visibility-heartbeat';

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
  /** Its processing span's context (tracing on): what is done and sent for it joins its trace. */
  trace?: Context;
}

/**
 * What `onGiveUp` found: `dead-letter` (the default) copies the message to the DLQ; `resolved`
 * means its work turned out done after all (the sale exists), so it is only acknowledged.
 */
export type GiveUpOutcome = 'dead-letter' | 'resolved';

export interface BatchProcessorOptions {
  sqs: SQSClient;
  queueUrl: string;
  deadLetterQueueUrl: string;
  retry: RetryPolicy;
  /** Sorts a failure: infrastructure pauses the consumer, transient retries, permanent gives up. */
  classify: (err: unknown) => FailureKind;
  /** Paused by infrastructure failures; without one they are retried like transient ones. */
  breaker?: ConsumerBreaker;
  /** The visibility the heartbeat keeps a held message at, in seconds. */
  visibilityTimeoutSeconds: number;
  /**
   * Runs before a message is given up on (e.g. to report `sales.failed`). An error it throws is
   * an infrastructure failure (the report must not be lost): the consumer pauses and retries.
   */
  onGiveUp?: (message: ReceivedMessage, reason: GiveUp) => Promise<GiveUpOutcome | void>;
  onTransientError?: (message: ReceivedMessage, err: unknown, delaySeconds: number) => void;
  onHeartbeatError?: (err: unknown) => void;
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

type Outcome = 'ack' | { delaySeconds: number };

/** Visible again at once: another consumer (or this one, later) takes it. */
const HAND_BACK: Outcome = { delaySeconds: 0 };

/**
 * Handles the messages of one round together; answers one settled outcome per message, in
 * order. A rejection is that message's failure; a throw fails every message of the round.
 */
export type BatchHandle = (messages: ReceivedMessage[]) => Promise<PromiseSettledResult<unknown>[]>;

/**
 * Decides the fate of each message of a received batch, so that one message never holds up the
 * others:
 * - handled: acknowledged (returned, so the consumer deletes it);
 * - an infrastructure failure: the breaker pauses the consumer; the message stays in hand (the
 *   heartbeat keeps it invisible) and is tried again, with the others still in hand, when the
 *   dependency is back, at no cost to its deliveries; on shutdown it is handed back at once;
 * - a transient failure: left on the queue, invisible for an exponential backoff set with
 *   ChangeMessageVisibility; on its last attempt (retry.maxAttempts) it is given up on;
 * - permanent, or given up: `onGiveUp` runs, the message is copied to the DLQ with its reason,
 *   then acknowledged. The queue's redrive policy (a larger maxReceiveCount) is only the
 *   backstop for a message that crashes the process.
 */
export class BatchProcessor {
  constructor(private readonly options: BatchProcessorOptions) {}

  /** Handles each message on its own (all at once); see processBatch. */
  process(
    messages: readonly Message[],
    handle: (message: ReceivedMessage) => Promise<void>,
  ): Promise<Message[]> {
    return this.processBatch(messages, (round) =>
      Promise.allSettled(
        round.map((received) => inContext(received.trace, () => handle(received))),
      ),
    );
  }

  /**
   * Hands the batch to `handle` in one call, then again with the messages an infrastructure
   * failure left in hand, once the breaker lets them through, until each has an outcome.
   * Answers the messages to acknowledge.
   */
  async processBatch(messages: readonly Message[], handle: BatchHandle): Promise<Message[]> {
    const { sqs, queueUrl, visibilityTimeoutSeconds, onHeartbeatError } = this.options;
    const heartbeat = new VisibilityHeartbeat({
      sqs,
      queueUrl,
      visibilityTimeoutSeconds,
      onError: onHeartbeatError,
    });
    heartbeat.hold(messages);
    const acked: Message[] = [];
    const delays: { message: Message; seconds: number }[] = [];
    // TELEMETRY HOOK: each message's process span, from first in hand to its outcome.
    const spans = new Map<Message, ProcessSpan>();
    const settled = (received: ReceivedMessage, outcome: Outcome, error?: unknown): void => {
      spans.get(received.raw)?.end(error);
      heartbeat.release(received.raw);
      if (outcome === 'ack') {
        acked.push(received.raw);
      } else {
        delays.push({ message: received.raw, seconds: outcome.delaySeconds });
      }
    };
    let inHand = messages.map((raw): ReceivedMessage => {
      const span = startProcessSpan(queueUrl, raw);
      spans.set(raw, span);
      return {
        raw,
        attempt: receiveCountOf(raw),
        correlationId: readMetadata(raw.MessageAttributes).correlationId,
        trace: span.context,
      };
    });
    try {
      // TELEMETRY HOOK: a batch's span, linked to each message's.
      await traceBatch(queueUrl, messages, async () => {
        while (inHand.length > 0) {
          if (!(await this.admitted())) {
            inHand.forEach((received) => settled(received, HAND_BACK));
            break;
          }
          inHand = await this.round(inHand, handle, settled);
        }
      });
    } finally {
      spans.forEach((span) => span.end());
      await heartbeat.stop();
    }
    await this.changeVisibility(delays);
    return acked;
  }

  /** Waits while the breaker is open; false once the consumer is stopping. */
  private async admitted(): Promise<boolean> {
    try {
      await this.options.breaker?.admit();
      return true;
    } catch (err) {
      if (err instanceof ConsumerStoppedError) {
        return false;
      }
      throw err;
    }
  }

  /** One try of every message in hand; answers those an infrastructure failure kept. */
  private async round(
    inHand: ReceivedMessage[],
    handle: BatchHandle,
    settled: (received: ReceivedMessage, outcome: Outcome, error?: unknown) => void,
  ): Promise<ReceivedMessage[]> {
    const { breaker, classify } = this.options;
    const startedAt = Date.now();
    let results: PromiseSettledResult<unknown>[];
    try {
      // A round of one runs in its message's context; a larger one in the batch span's.
      const single = inHand.length === 1 ? inHand[0].trace : undefined;
      results = await inContext(single, () => handle(inHand));
    } catch (err) {
      results = inHand.map(() => ({ status: 'rejected', reason: err }));
    }
    const kept: ReceivedMessage[] = [];
    await Promise.all(
      inHand.map(async (received, i) => {
        const result = results[i] ?? {
          status: 'rejected',
          reason: new Error('the handler answered fewer outcomes than it was given messages'),
        };
        try {
          const outcome =
            result.status === 'fulfilled' ? 'ack' : await this.failed(received, result.reason);
          breaker?.succeeded(startedAt);
          settled(received, outcome, result.status === 'rejected' ? result.reason : undefined);
        } catch (err) {
          const failure = classify(err);
          if (breaker && failure.kind === 'infrastructure') {
            breaker.failed(failure.dependency, err);
            kept.push(received);
            return;
          }
          // Giving up failed for a reason of its own: the dependencies answered.
          breaker?.succeeded(startedAt);
          settled(received, this.backoff(received, err), err);
        }
      }),
    );
    return kept;
  }

  /** A message's failure: its outcome, or throws an infrastructure failure (or one giving up). */
  private async failed(received: ReceivedMessage, err: unknown): Promise<Outcome> {
    const failure = this.options.classify(err);
    if (failure.kind === 'infrastructure') {
      throw err;
    }
    const permanent = failure.kind === 'permanent';
    if (permanent || isLastAttempt(received.attempt, this.options.retry)) {
      await this.giveUp(received, asGiveUp(err, received.attempt, permanent));
      return 'ack';
    }
    return this.backoff(received, err);
  }

  private async giveUp(received: ReceivedMessage, reason: GiveUp): Promise<void> {
    const outcome = (await this.options.onGiveUp?.(received, reason)) ?? 'dead-letter';
    if (outcome === 'dead-letter') {
      try {
        await this.copyToDeadLetterQueue(received.raw, reason);
      } catch (err) {
        throw new DependencyUnavailableError('dead-letter queue', err);
      }
    }
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

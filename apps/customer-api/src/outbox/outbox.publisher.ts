import { SQSClient } from '@aws-sdk/client-sqs';
import { Injectable } from '@nestjs/common';
import { publishBatch, PublishEntry, PublishResult } from '@app/messaging/message-publisher';
import { QueueDirectory } from '@app/messaging/queue-directory';

/** Where the outbox relay sends its rows: the seam between the outbox and the broker (SQS). */
export abstract class OutboxPublisher {
  /** Answers the ids that were not accepted, and which of them were refused; never drops any. */
  abstract publish(
    destination: string,
    entries: readonly PublishEntry[],
    abortSignal?: AbortSignal,
  ): Promise<PublishResult>;
}

@Injectable()
export class SqsOutboxPublisher extends OutboxPublisher {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: QueueDirectory,
  ) {
    super();
  }

  async publish(
    destination: string,
    entries: readonly PublishEntry[],
    abortSignal?: AbortSignal,
  ): Promise<PublishResult> {
    let url: string;
    try {
      url = this.queues.get(destination).url;
    } catch (err) {
      // A destination this app has no queue for: no retry can deliver it.
      const reason = err instanceof Error ? err.message : String(err);
      return {
        failedIds: new Set(entries.map((e) => e.id)),
        refused: new Map(entries.map((e) => [e.id, reason])),
        firstError: new Error(reason),
      };
    }
    return publishBatch(this.sqs, url, entries, abortSignal);
  }
}

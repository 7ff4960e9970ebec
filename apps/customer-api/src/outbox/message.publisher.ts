import { SQSClient } from '@aws-sdk/client-sqs';
import { Injectable } from '@nestjs/common';
import { publishBatch, PublishEntry, QueueDirectory } from '@app/messaging';

/** Where the outbox relay sends messages: the seam between the outbox and the broker. */
export abstract class MessagePublisher {
  /** Answers the ids that were not accepted; never drops them silently. */
  abstract publish(
    destination: string,
    entries: readonly PublishEntry[],
  ): Promise<{ failedIds: Set<string>; firstError?: Error }>;
}

@Injectable()
export class SqsMessagePublisher extends MessagePublisher {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: QueueDirectory,
  ) {
    super();
  }

  publish(destination: string, entries: readonly PublishEntry[]) {
    return publishBatch(this.sqs, this.queues.get(destination).url, entries);
  }
}

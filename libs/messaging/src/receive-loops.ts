import { Message, SQSClient } from '@aws-sdk/client-sqs';
import { Consumer, ConsumerOptions } from 'sqs-consumer';

/** A queue consumer's batch handler: answers the messages to acknowledge. */
export interface BatchHandler {
  handle(messages: Message[]): Promise<Message[]>;
}

export interface ReceiveLoopSettings {
  queueUrl: string;
  sqs: SQSClient;
  batchSize: number;
  waitTimeSeconds: number;
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
    // A failed message's visibility is the backoff the BatchProcessor set: the consumer must
    // not reset it to 0.
    terminateVisibilityTimeout: false,
    messageAttributeNames: ['All'],
    messageSystemAttributeNames: ['ApproximateReceiveCount'],
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

import { randomBytes } from 'node:crypto';
import {
  GetQueueAttributesCommand,
  Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
import { CreatedQueue, ensureQueues, QueueSetupOptions } from '@app/messaging/queue-setup';
import { createSqsClient } from '@app/messaging/sqs-client';

export function testSqsClient(): SQSClient {
  const endpoint = process.env.TEST_SQS_ENDPOINT;
  if (!endpoint) {
    throw new Error('TEST_SQS_ENDPOINT is not set: run through jest (global setup starts it)');
  }
  return createSqsClient({ region: 'us-east-1', endpoint });
}

export interface TestQueues {
  sales: CreatedQueue;
  paymentStatus: CreatedQueue;
}

/** The contract's queues (and DLQs) under names owned by one test file. */
export async function createTestQueues(
  sqs: SQSClient,
  options: QueueSetupOptions = {
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 30,
    retentionSeconds: 3600,
  },
): Promise<TestQueues> {
  const prefix = `t${randomBytes(4).toString('hex')}-`;
  const [sales, paymentStatus] = await ensureQueues(
    sqs,
    [prefix + SALES_QUEUE, prefix + PAYMENT_STATUS_QUEUE],
    options,
  );
  return { sales, paymentStatus };
}

/** Receives what is on a queue now, waiting up to `waitSeconds` for the first message. */
export async function receiveAll(
  sqs: SQSClient,
  queueUrl: string,
  { waitSeconds = 1, visibilitySeconds = 30, max = 1000 } = {},
): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: messages.length === 0 ? waitSeconds : 0,
        VisibilityTimeout: visibilitySeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    messages.push(...Messages);
    if (Messages.length === 0 || messages.length >= max) {
      return messages;
    }
  }
}

export async function queueDepth(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 15_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) {
        return value;
      }
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  Message,
  MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { markRedriven } from '@app/telemetry/sqs-carrier';
import { FAILURE_ATTRIBUTES } from './batch-processor';

/** A dead-lettered message as an operator sees it. */
export interface DeadLetter {
  messageId: string;
  type?: string;
  paymentId?: string;
  correlationId?: string;
  /** Set when the worker dead-lettered it itself (a permanent failure). */
  failureCode?: string;
  failureReason?: string;
  /** Deliveries tried before it was given up on. */
  attempts?: number;
  /** Where it came from: the worker (permanent failure) or the queue's redrive policy. */
  deadLetteredBy: 'consumer' | 'redrive-policy';
  sentAt?: string;
  body: string;
}

function describeMessage(message: Message): DeadLetter {
  const attributes = message.MessageAttributes ?? {};
  let parsed: { type?: unknown; paymentId?: unknown } = {};
  try {
    const body: unknown = JSON.parse(message.Body ?? '');
    // Poison comes in every shape: `null`, an array, a number are listed as they are too.
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      parsed = body;
    }
  } catch {
    // Malformed bodies are listed as they are.
  }
  const failureCode = attributes[FAILURE_ATTRIBUTES.code]?.StringValue;
  const attempts = attributes[FAILURE_ATTRIBUTES.attempts]?.StringValue;
  const sent = message.Attributes?.SentTimestamp;
  return {
    messageId: message.MessageId ?? '',
    type: typeof parsed.type === 'string' ? parsed.type : attributes.type?.StringValue,
    paymentId: typeof parsed.paymentId === 'string' ? parsed.paymentId : undefined,
    correlationId: attributes.correlationId?.StringValue,
    failureCode,
    failureReason: attributes[FAILURE_ATTRIBUTES.reason]?.StringValue,
    attempts: attempts ? Number(attempts) : undefined,
    deadLetteredBy: failureCode ? 'consumer' : 'redrive-policy',
    sentAt: sent ? new Date(Number(sent)).toISOString() : undefined,
    body: message.Body ?? '',
  };
}

async function receiveBatch(
  sqs: SQSClient,
  queueUrl: string,
  visibilitySeconds: number,
  max = 10,
): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: Math.min(10, max),
      WaitTimeSeconds: 1,
      VisibilityTimeout: visibilitySeconds,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return Messages;
}

async function release(sqs: SQSClient, queueUrl: string, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.slice(i, i + 10).map((m, j) => ({
          Id: String(j),
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

/**
 * Lists what a DLQ holds without consuming it: messages are received for a moment and made
 * visible again. SQS samples its servers, so a large DLQ may need a second look.
 */
export async function listDeadLetters(
  sqs: SQSClient,
  dlqUrl: string,
  max = 100,
): Promise<DeadLetter[]> {
  const seen = new Map<string, Message>();
  try {
    while (seen.size < max) {
      const batch = await receiveBatch(sqs, dlqUrl, 30, max - seen.size);
      const fresh = batch.filter((m) => m.MessageId && !seen.has(m.MessageId));
      fresh.forEach((m) => seen.set(m.MessageId as string, m));
      if (fresh.length === 0) {
        break;
      }
    }
  } finally {
    await release(sqs, dlqUrl, [...seen.values()]);
  }
  return [...seen.values()].map(describeMessage);
}

export interface RedriveOptions {
  deadLetterUrl: string;
  sourceUrl: string;
  /** Only these message ids; all when absent. */
  messageIds?: ReadonlySet<string>;
  /** Messages moved per second at most. */
  ratePerSecond: number;
}

export interface RedriveResult {
  moved: number;
  method: 'StartMessageMoveTask' | 'receive-send-delete';
  taskHandle?: string;
}

async function arnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  if (!Attributes?.QueueArn) {
    throw new Error(`no ARN for ${queueUrl}`);
  }
  return Attributes.QueueArn;
}

function isUnsupported(err: unknown): boolean {
  const e = err as {
    name?: string;
    Code?: string;
    $metadata?: { httpStatusCode?: number };
    message?: string;
  };
  return (
    e.name === 'UnsupportedOperation' ||
    e.name === 'InvalidAction' ||
    e.name === 'UnknownOperationException' ||
    /not (implemented|supported)|unknown (action|operation)/i.test(e.message ?? '') ||
    e.$metadata?.httpStatusCode === 404 ||
    e.$metadata?.httpStatusCode === 501
  );
}

/**
 * Whether a message was in the DLQ's hands before the move began. A message this move sent back
 * carries a later SentTimestamp, and so does a copy the consumer dead-letters again (poison that
 * fails once more): leaving those alone is what lets a move of everything end while the consumer
 * runs, instead of circling the same poison between the queues.
 */
function sentBefore(message: Message, started: number): boolean {
  const sent = Number(message.Attributes?.SentTimestamp);
  return !Number.isFinite(sent) || sent < started;
}

/** The attributes a message had before it was dead-lettered. */
function originalAttributes(message: Message): Record<string, MessageAttributeValue> {
  const failureNames = new Set<string>(Object.values(FAILURE_ATTRIBUTES));
  return Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).filter(([name]) => !failureNames.has(name)),
  );
}

/**
 * Moves dead-lettered messages back to their source queue at a bounded rate. Uses SQS's own
 * StartMessageMoveTask when moving everything and the endpoint has it; otherwise receives, sends
 * to the source and only then deletes from the DLQ, so a crash mid-move duplicates at worst
 * (consumers are idempotent) and never loses a message.
 */
export async function redriveDeadLetters(
  sqs: SQSClient,
  options: RedriveOptions,
): Promise<RedriveResult> {
  if (!options.messageIds) {
    try {
      const { TaskHandle } = await sqs.send(
        new StartMessageMoveTaskCommand({
          SourceArn: await arnOf(sqs, options.deadLetterUrl),
          DestinationArn: await arnOf(sqs, options.sourceUrl),
          MaxNumberOfMessagesPerSecond: Math.max(
            1,
            Math.min(500, Math.floor(options.ratePerSecond)),
          ),
        }),
      );
      return { moved: -1, method: 'StartMessageMoveTask', taskHandle: TaskHandle };
    } catch (err) {
      if (!isUnsupported(err)) {
        throw err;
      }
    }
  }
  let moved = 0;
  // Received but not moved (not chosen, or dead-lettered again since the move began): held
  // invisible until the end, so the loop ends when it has seen each message once.
  const skipped: Message[] = [];
  const started = Date.now();
  try {
    for (;;) {
      const batch = await receiveBatch(sqs, options.deadLetterUrl, 60);
      if (batch.length === 0) {
        break;
      }
      const wanted = batch.filter(
        (m) =>
          (!options.messageIds || options.messageIds.has(m.MessageId ?? '')) &&
          sentBefore(m, started),
      );
      skipped.push(...batch.filter((m) => !wanted.includes(m)));
      if (wanted.length > 0) {
        const sent = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: options.sourceUrl,
            Entries: wanted.map((m, i) => ({
              Id: String(i),
              MessageBody: m.Body ?? '',
              // TELEMETRY HOOK: the original trace becomes a link, not a parent.
              MessageAttributes: markRedriven(originalAttributes(m)),
            })),
          }),
        );
        const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
        const toDelete = wanted.filter((_, i) => ok.has(String(i)));
        if (toDelete.length > 0) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.deadLetterUrl,
              Entries: toDelete.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
        }
        moved += toDelete.length;
      }
      if (options.messageIds && moved >= options.messageIds.size) {
        break;
      }
      const earliest = started + (moved / options.ratePerSecond) * 1000;
      if (earliest > Date.now()) {
        await new Promise((resolve) => setTimeout(resolve, earliest - Date.now()));
      }
    }
  } finally {
    await release(sqs, options.deadLetterUrl, skipped);
  }
  return { moved, method: 'receive-send-delete' };
}

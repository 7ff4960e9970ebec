import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { EncodedMessage } from '@app/contracts';

export interface PublishEntry {
  /** Unique within one call; reported back for the entries that failed. */
  id: string;
  message: EncodedMessage;
}

/** SQS takes at most ten entries a SendMessageBatch. */
export const SQS_BATCH_LIMIT = 10;

/**
 * Sends entries with SendMessageBatch, ten a call, the calls in parallel. Answers the ids that
 * were not accepted (a failed call fails all of its entries); throws nothing for them, so the
 * caller decides what to retry.
 */
export async function publishBatch(
  sqs: SQSClient,
  queueUrl: string,
  entries: readonly PublishEntry[],
): Promise<{ failedIds: Set<string>; firstError?: Error }> {
  const chunks: PublishEntry[][] = [];
  for (let i = 0; i < entries.length; i += SQS_BATCH_LIMIT) {
    chunks.push(entries.slice(i, i + SQS_BATCH_LIMIT));
  }
  const failedIds = new Set<string>();
  let firstError: Error | undefined;
  await Promise.all(
    chunks.map(async (chunk) => {
      try {
        const result = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map(({ id, message }) => ({
              Id: id,
              MessageBody: message.body,
              MessageAttributes: message.attributes,
            })),
          }),
        );
        for (const failed of result.Failed ?? []) {
          if (failed.Id) {
            failedIds.add(failed.Id);
          }
          firstError ??= new Error(`${failed.Code ?? 'SendMessageBatch'}: ${failed.Message ?? ''}`);
        }
      } catch (err) {
        firstError ??= err instanceof Error ? err : new Error(String(err));
        chunk.forEach(({ id }) => failedIds.add(id));
      }
    }),
  );
  return { failedIds, firstError };
}

import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { EncodedMessage } from '@app/contracts';
import { traceSend } from '@app/telemetry/messaging';

export interface PublishEntry {
  /** Unique within one call; reported back for the entries that failed. */
  id: string;
  message: EncodedMessage;
}

/** SQS takes at most ten entries a SendMessageBatch. */
export const SQS_BATCH_LIMIT = 10;

export interface PublishResult {
  /** Every entry not accepted, for whatever reason. */
  failedIds: Set<string>;
  /**
   * The failed entries SQS answered it will never take as they are (the sender's fault: bad
   * contents, a queue that does not exist), with its reason. Timeouts, outages, throttling and
   * SQS's own faults are not refusals: those are worth retrying as they are.
   */
  refused: Map<string, string>;
  firstError?: Error;
}

/** Errors of a whole SendMessageBatch call that say the request itself is wrong. */
const REFUSALS = new Set([
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'InvalidAddress',
  'InvalidMessageContents',
  'BatchRequestTooLong',
]);

function refusalOf(err: unknown): string | undefined {
  const { name, message } = (err ?? {}) as { name?: unknown; message?: unknown };
  return typeof name === 'string' && REFUSALS.has(name) ? `${name}: ${String(message)}` : undefined;
}

/**
 * Sends entries with SendMessageBatch, ten a call, the calls in parallel. Answers the ids that
 * were not accepted (a failed call fails all of its entries); throws nothing for them, so the
 * caller decides what to retry.
 */
export async function publishBatch(
  sqs: SQSClient,
  queueUrl: string,
  entries: readonly PublishEntry[],
  abortSignal?: AbortSignal,
): Promise<PublishResult> {
  const chunks: PublishEntry[][] = [];
  for (let i = 0; i < entries.length; i += SQS_BATCH_LIMIT) {
    chunks.push(entries.slice(i, i + SQS_BATCH_LIMIT));
  }
  const failedIds = new Set<string>();
  const refused = new Map<string, string>();
  let firstError: Error | undefined;
  await Promise.all(
    chunks.map(async (untraced) => {
      // TELEMETRY HOOK (3 lines): send spans; each entry carries its own producer context.
      const traced = traceSend(queueUrl, untraced);
      const chunk = traced.entries;
      try {
        const result = await traced.run(() =>
          sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: chunk.map(({ id, message }) => ({
                Id: id,
                MessageBody: message.body,
                MessageAttributes: message.attributes,
              })),
            }),
            { abortSignal },
          ),
        );
        traced.sent(result); // TELEMETRY HOOK
        for (const failed of result.Failed ?? []) {
          if (failed.Id) {
            failedIds.add(failed.Id);
            if (failed.SenderFault) {
              refused.set(failed.Id, `${failed.Code ?? 'refused'}: ${failed.Message ?? ''}`);
            }
          }
          firstError ??= new Error(`${failed.Code ?? 'SendMessageBatch'}: ${failed.Message ?? ''}`);
        }
      } catch (err) {
        traced.failed(err); // TELEMETRY HOOK
        firstError ??= err instanceof Error ? err : new Error(String(err));
        const refusal = refusalOf(err);
        chunk.forEach(({ id }) => {
          failedIds.add(id);
          if (refusal) {
            refused.set(id, refusal);
          }
        });
      }
    }),
  );
  return { failedIds, refused, firstError };
}

import { PermanentMessageError } from '@app/contracts';

/**
 * What a failed message tells about itself:
 * - `infrastructure`: a dependency (a database, a queue, the network) is failing; the message is
 *   not at fault: the consumer pauses and retries it when the dependency is back, at no cost to
 *   its delivery budget;
 * - `transient`: this message failed this time (a deadlock, a lock wait timeout, anything
 *   unknown): retried with backoff, within its own budget;
 * - `permanent`: it can never succeed (PermanentMessageError): dead-lettered at once.
 */
export type FailureKind =
  { kind: 'infrastructure'; dependency: string } | { kind: 'transient' } | { kind: 'permanent' };

/** A dependency failed the work; `dependency` names it in logs and the consumer_paused metric. */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';
  constructor(
    readonly dependency: string,
    override readonly cause: unknown,
  ) {
    super(`${dependency} unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** SQS answers meaning the queue or the service cannot be used now, whatever the message. */
const SQS_UNAVAILABLE = new Set([
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'InternalError',
  'InternalFailure',
  'ThrottlingException',
  'RequestThrottled',
  'KmsThrottled',
]);

/** True when an SQS call failed because SQS or the queue cannot be reached or used now. */
export function isSqsUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) {
    return false;
  }
  const e = err as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) {
    return true;
  }
  if (typeof e.name === 'string' && SQS_UNAVAILABLE.has(e.name)) {
    return true;
  }
  if (typeof e.code === 'string' && SQS_UNAVAILABLE.has(e.code)) {
    return true;
  }
  return (e.$metadata?.httpStatusCode ?? 0) >= 500;
}

/**
 * The usual classification: PermanentMessageError is permanent, DependencyUnavailableError and
 * whatever `unavailable` recognises (the consumer's database, say) are infrastructure, the rest
 * is a transient failure of the message.
 */
export function classifyFailure(
  err: unknown,
  unavailable: (err: unknown) => string | undefined = () => undefined,
): FailureKind {
  if (err instanceof PermanentMessageError) {
    return { kind: 'permanent' };
  }
  if (err instanceof DependencyUnavailableError) {
    return { kind: 'infrastructure', dependency: err.dependency };
  }
  const dependency = unavailable(err);
  return dependency ? { kind: 'infrastructure', dependency } : { kind: 'transient' };
}

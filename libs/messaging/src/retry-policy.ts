/** How a transiently failing message is retried through its visibility timeout. */
export interface RetryPolicy {
  /** Delay before the second delivery, in seconds. */
  baseDelaySeconds: number;
  /** Longest delay between deliveries, in seconds (SQS allows up to 12 hours). */
  maxDelaySeconds: number;
  /**
   * Deliveries a message gets for failures of its own before it is given up on; below the
   * queue's redrive maxReceiveCount, which is only the backstop for a message that crashes the
   * process (see docs/reliability.md, recoverability model).
   */
  maxAttempts: number;
}

/**
 * Exponential backoff with "equal jitter": half the exponential delay is kept, the other half is
 * random, so retries spread out but still grow with every attempt. `receiveCount` is the
 * message's ApproximateReceiveCount (1 on the first delivery). SQS counts visibility in whole
 * seconds.
 */
export function retryDelaySeconds(
  receiveCount: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, receiveCount - 1);
  const ceiling = Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** exponent);
  const half = ceiling / 2;
  return Math.max(1, Math.min(policy.maxDelaySeconds, Math.round(half + random() * half)));
}

export function isLastAttempt(receiveCount: number, policy: RetryPolicy): boolean {
  return receiveCount >= policy.maxAttempts;
}

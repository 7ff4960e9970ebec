import { isLastAttempt, retryDelaySeconds, RetryPolicy } from './retry-policy';

const policy: RetryPolicy = { baseDelaySeconds: 2, maxDelaySeconds: 60, maxAttempts: 5 };

describe('retryDelaySeconds', () => {
  it('should double the delay range with every delivery', () => {
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, policy, () => 1))).toEqual([2, 4, 8, 16]);
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, policy, () => 0))).toEqual([1, 2, 4, 8]);
  });

  it('should never exceed the cap nor go below one second', () => {
    expect(retryDelaySeconds(30, policy, () => 1)).toBe(60);
    expect(retryDelaySeconds(1, { ...policy, baseDelaySeconds: 0 }, () => 0)).toBe(1);
  });

  it('should give up on the delivery that reaches maxAttempts', () => {
    expect(isLastAttempt(4, policy)).toBe(false);
    expect(isLastAttempt(5, policy)).toBe(true);
  });
});

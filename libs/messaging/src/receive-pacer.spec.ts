import { ReceivePacer } from './receive-pacer';

describe(ReceivePacer.name, () => {
  it('should space receives out while they fail, up to 5 s, and stop at the first success', () => {
    const pacer = new ReceivePacer();
    expect(pacer.delayMs()).toBe(0);
    const delays = Array.from({ length: 7 }, () => {
      pacer.failed(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
      return pacer.delayMs();
    });
    expect(delays).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000, 5_000]);
    pacer.received();
    expect(pacer.delayMs()).toBe(0);
  });

  it('should not count a failed message or an aborted poll as SQS being down', () => {
    const pacer = new ReceivePacer();
    pacer.failed(new Error('handler failed'), [{ MessageId: 'm-1' }]);
    pacer.failed(Object.assign(new Error('aborted'), { code: 'AbortError' }));
    expect(pacer.delayMs()).toBe(0);
  });
});

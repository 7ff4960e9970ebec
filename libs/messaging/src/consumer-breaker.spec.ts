import { ConsumerBreaker, ConsumerStoppedError } from './consumer-breaker';

const TIMING = { probeBaseMs: 20, probeMaxMs: 80 };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe(ConsumerBreaker.name, () => {
  it('should let everything through while closed', async () => {
    const breaker = new ConsumerBreaker(TIMING);
    await expect(breaker.admit()).resolves.toBeUndefined();
    await expect(breaker.whenClosed()).resolves.toBeUndefined();
    expect(breaker.paused).toBe(false);
  });

  it('should hold receives and messages while paused, probe with one message, and resume on its success', async () => {
    const breaker = new ConsumerBreaker(TIMING);
    const events: string[] = [];
    breaker.onPause(({ dependency }) => events.push(`paused: ${dependency}`));
    breaker.onResume(({ dependency }) => events.push(`resumed: ${dependency}`));
    breaker.failed('sales DB', new Error('ECONNREFUSED'));
    expect(breaker.pausedFor).toBe('sales DB');

    let received = false;
    void breaker.whenClosed().then(() => (received = true));
    const admitted: number[] = [];
    const waiting = [1, 2, 3].map((n) => breaker.admit().then(() => admitted.push(n)));
    await sleep(5);
    expect(admitted).toEqual([]);
    await sleep(40);
    // One probe, nothing else, and still no receive.
    expect(admitted).toEqual([1]);
    expect(received).toBe(false);

    breaker.succeeded(Date.now());
    await Promise.all(waiting);
    expect(admitted).toEqual([1, 2, 3]);
    expect(received).toBe(true);
    expect(events).toEqual(['paused: sales DB', 'resumed: sales DB']);
  });

  it('should wait twice as long after each failed probe, up to the cap', async () => {
    const breaker = new ConsumerBreaker(TIMING);
    breaker.failed('sales DB', new Error('down'));
    const probes: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 4; i += 1) {
      await breaker.admit();
      probes.push(Date.now() - started);
      breaker.failed('sales DB', new Error('still down'));
    }
    const gaps = probes.map((t, i) => t - (probes[i - 1] ?? 0));
    // 20, 40, 80, 80 ms (timers may run late, never early).
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
    expect(gaps[3]).toBeGreaterThanOrEqual(79);
    expect(gaps[3]).toBeLessThan(gaps[2] + 60);
    breaker.stop();
  });

  it('should not resume for an attempt that began before the pause', async () => {
    const breaker = new ConsumerBreaker(TIMING);
    const before = Date.now() - 1_000;
    breaker.failed('customer DB', new Error('down'));
    breaker.succeeded(before);
    expect(breaker.paused).toBe(true);
    breaker.succeeded(Date.now());
    expect(breaker.paused).toBe(false);
  });

  it('should hand the waiting messages back and let the receives go when stopped', async () => {
    const breaker = new ConsumerBreaker(TIMING);
    breaker.failed('sales DB', new Error('down'));
    const message = breaker.admit();
    const receive = breaker.whenClosed();
    breaker.stop();
    await expect(message).rejects.toBeInstanceOf(ConsumerStoppedError);
    await expect(receive).resolves.toBeUndefined();
    await expect(breaker.admit()).rejects.toBeInstanceOf(ConsumerStoppedError);
  });

  it('should resume when nothing is left in hand to probe with', async () => {
    const breaker = new ConsumerBreaker(TIMING);
    breaker.failed('payment-status queue', new Error('QueueDoesNotExist'));
    await breaker.whenClosed();
    expect(breaker.paused).toBe(false);
  });
});

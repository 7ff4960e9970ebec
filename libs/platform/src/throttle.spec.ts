import { Clock, Semaphore, Throttle, TokenBucket } from './throttle';

/** A clock that only moves when told to; sleepers wake when it reaches their time. */
class ManualClock implements Clock {
  private time = 1_000_000;
  private sleepers: { until: number; wake: () => void }[] = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => this.sleepers.push({ until: this.time + ms, wake }));
  }

  async advance(ms: number): Promise<void> {
    this.time += ms;
    const due = this.sleepers.filter((s) => s.until <= this.time);
    this.sleepers = this.sleepers.filter((s) => s.until > this.time);
    due.forEach((s) => s.wake());
    await flush();
  }
}

/** Lets every settled promise run its continuations. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i += 1) {
    await Promise.resolve();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe(Semaphore.name, () => {
  it('should run at most `limit` calls at once, the others in arrival order', async () => {
    const semaphore = new Semaphore(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, i) =>
      semaphore.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await flush();
    expect(started).toEqual([0, 1]);
    gates[1].resolve();
    await flush();
    expect(started).toEqual([0, 1, 2]);
    gates[0].resolve();
    gates[2].resolve();
    gates[3].resolve();
    await expect(Promise.all(runs)).resolves.toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('should free the slot of a call that throws', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(semaphore.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('should hold a call of several units until that many are free, first come first served', async () => {
    const semaphore = new Semaphore(4);
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = [3, 2, 1].map((weight, i) =>
      semaphore.run(async () => {
        started.push(i);
        await gates[i].promise;
      }, weight),
    );
    await flush();
    // One unit is free, but the call of 2 came first: the call of 1 waits behind it.
    expect(started).toEqual([0]);
    gates[0].resolve();
    await flush();
    expect(started).toEqual([0, 1, 2]);
    gates[1].resolve();
    gates[2].resolve();
    await Promise.all(runs);
    await expect(semaphore.run(() => Promise.resolve('x'), 5)).rejects.toThrow(RangeError);
  });

  it('should refuse a limit below one', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});

describe(TokenBucket.name, () => {
  it('should let a burst through, then one token per 1/rate seconds', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(4, 2, clock);
    expect([bucket.reserve(), bucket.reserve()]).toEqual([0, 0]);
    // Each further caller queues 250 ms behind the previous one.
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([250, 500, 750]);
  });

  it('should refill with time but never save more than the burst', async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(2, 2, clock);
    bucket.reserve();
    bucket.reserve();
    await clock.advance(500);
    expect(bucket.reserve()).toBe(0);
    expect(bucket.reserve()).toBe(500);
    await clock.advance(60_000);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 500]);
  });

  it('should support rates below one per second', () => {
    const bucket = new TokenBucket(0.5, 1, new ManualClock());
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 2000, 4000]);
  });

  it('should make take() wait until the token is due', async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(1, 1, clock);
    await bucket.take();
    let done = false;
    const second = bucket.take().then(() => (done = true));
    await clock.advance(999);
    expect(done).toBe(false);
    await clock.advance(1);
    await second;
    expect(done).toBe(true);
  });

  it('should refuse a rate that is not positive', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(RangeError);
  });
});

describe(Throttle.name, () => {
  it('should pass at most `rate` calls per second after the first second', async () => {
    const clock = new ManualClock();
    const throttle = new Throttle({ concurrency: 10, ratePerSecond: 2 }, clock);
    const started: number[] = [];
    const runs = Array.from({ length: 6 }, () =>
      throttle.run(async () => {
        started.push(clock.now());
      }),
    );
    await flush();
    expect(started).toHaveLength(2);
    await clock.advance(500);
    expect(started).toHaveLength(3);
    for (let step = 0; step < 3; step += 1) {
      await clock.advance(500);
    }
    expect(started).toHaveLength(6);
    await Promise.all(runs);
    const t0 = started[0];
    expect(started.map((t) => t - t0)).toEqual([0, 0, 500, 1000, 1500, 2000]);
  });

  it('should not spend tokens on calls still waiting for a slot', async () => {
    const clock = new ManualClock();
    const throttle = new Throttle({ concurrency: 1, ratePerSecond: 1 }, clock);
    const gate = deferred();
    const first = throttle.run(() => gate.promise);
    let secondStarted = false;
    const second = throttle.run(async () => {
      secondStarted = true;
    });
    await clock.advance(5_000);
    expect(secondStarted).toBe(false);
    gate.resolve();
    await flush();
    // Five seconds passed while it waited for the slot: the bucket refilled, no wait.
    expect(secondStarted).toBe(true);
    await Promise.all([first, second]);
  });

  it('should count a call of several items as that many calls, in chunks within the burst', async () => {
    const clock = new ManualClock();
    const throttle = new Throttle({ concurrency: 10, ratePerSecond: 4 }, clock);
    expect(throttle.maxItems).toBe(4);
    const chunks = throttle.chunks(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(chunks).toEqual([
      ['a', 'b', 'c', 'd'],
      ['e', 'f'],
    ]);
    const started: number[] = [];
    const runs = chunks.map((chunk) =>
      throttle.run(async () => {
        started.push(clock.now());
      }, chunk.length),
    );
    await flush();
    expect(started).toHaveLength(1);
    await clock.advance(499);
    expect(started).toHaveLength(1);
    // Two more tokens at 4 a second: the chunk of two starts at 500 ms.
    await clock.advance(1);
    await Promise.all(runs);
    expect(started.map((t) => t - started[0])).toEqual([0, 500]);
  });

  it('should not limit the rate when it is 0', async () => {
    const throttle = new Throttle({ concurrency: 10, ratePerSecond: 0 }, new ManualClock());
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => throttle.run(() => Promise.resolve(i))),
    );
    expect(results).toHaveLength(20);
  });
});

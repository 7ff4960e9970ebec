import { TickBatcher } from './tick-batcher';

function fulfilled<T>(value: T): PromiseSettledResult<T> {
  return { status: 'fulfilled', value };
}

describe(TickBatcher.name, () => {
  it('should flush the calls of one turn together, in order', async () => {
    const batches: number[][] = [];
    const batcher = new TickBatcher<number, number>(async (items) => {
      batches.push(items);
      return items.map((i) => fulfilled(i * 10));
    });
    const first = Promise.all([batcher.add(1), batcher.add(2), batcher.add(3)]);
    await expect(first).resolves.toEqual([10, 20, 30]);
    await expect(batcher.add(4)).resolves.toBe(40);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('should gather calls that arrive a few microtasks apart', async () => {
    const batches: number[][] = [];
    const batcher = new TickBatcher<number, number>(async (items) => {
      batches.push(items);
      return items.map((i) => fulfilled(i));
    });
    const late = async (i: number): Promise<number> => {
      await Promise.resolve();
      await Promise.resolve();
      return batcher.add(i);
    };
    await expect(Promise.all([batcher.add(1), late(2), late(3)])).resolves.toEqual([1, 2, 3]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('should give each caller its own outcome', async () => {
    const batcher = new TickBatcher<number, number>(async (items) =>
      items.map((i) =>
        i % 2 === 0 ? fulfilled(i) : { status: 'rejected', reason: new Error(`odd ${i}`) },
      ),
    );
    const one = batcher.add(1);
    const two = batcher.add(2);
    await expect(one).rejects.toThrow('odd 1');
    await expect(two).resolves.toBe(2);
  });

  it('should fail every caller of a batch whose flush throws', async () => {
    const batcher = new TickBatcher<number, number>(() => Promise.reject(new Error('db down')));
    const calls = [batcher.add(1), batcher.add(2)];
    await expect(calls[0]).rejects.toThrow('db down');
    await expect(calls[1]).rejects.toThrow('db down');
  });
});

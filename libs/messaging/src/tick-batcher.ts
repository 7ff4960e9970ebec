/**
 * Gathers the calls made within one turn of the event loop and hands them to `flush` together.
 * A received SQS batch is handled message by message, all in the same turn; a service that puts
 * each message's write through a TickBatcher writes the whole batch in one transaction, with
 * one commit, instead of one each, while every caller still gets its own outcome.
 */
export class TickBatcher<Item, Outcome> {
  private pending: {
    item: Item;
    resolve: (outcome: Outcome) => void;
    reject: (err: unknown) => void;
  }[] = [];

  /**
   * `flush` answers one settled outcome per item, in order; when it throws, every item of the
   * batch fails with that error.
   */
  constructor(
    private readonly flush: (items: Item[]) => Promise<PromiseSettledResult<Outcome>[]>,
  ) {}

  add(item: Item): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length === 1) {
        // After the microtasks and I/O callbacks of this turn: the rest of the batch joins.
        setImmediate(() => void this.run());
      }
    });
  }

  private async run(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const outcomes = await this.flush(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => {
        const outcome = outcomes[i];
        if (outcome === undefined) {
          entry.reject(new Error('the batch answered fewer outcomes than it was given items'));
        } else if (outcome.status === 'fulfilled') {
          entry.resolve(outcome.value);
        } else {
          entry.reject(outcome.reason);
        }
      });
    } catch (err) {
      batch.forEach((entry) => entry.reject(err));
    }
  }
}

/**
 * Cleanup steps run in reverse order, exactly once: when the run ends, fails, or is cut short by
 * SIGINT/SIGTERM (then the process exits 130 once they are done).
 */
export class ProcessCleanup {
  private readonly steps: (() => Promise<void>)[] = [];
  private done?: Promise<void>;
  interrupted = false;

  constructor(private readonly log: (line: string) => void) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        this.interrupted = true;
        log(`${signal}: cleaning up`);
        void this.run().then(() => process.exit(130));
      });
    }
  }

  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  run(): Promise<void> {
    this.done ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        await step().catch((err: unknown) => this.log(`cleanup step failed: ${String(err)}`));
      }
    })();
    return this.done;
  }
}

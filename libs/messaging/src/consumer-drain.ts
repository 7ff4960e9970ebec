import type { SqsService } from '@ssut/nestjs-sqs';
import type { Consumer } from 'sqs-consumer';

type ConsumerState = { consumer: Consumer; busy: boolean };

/**
 * Stops @ssut/nestjs-sqs consumers and waits for them: the library stops its consumers on
 * module destroy without waiting, which would cut a batch short. Call `track` once the
 * consumers exist (onApplicationBootstrap) and `drain` on SIGTERM before closing the app.
 *
 * A consumer waiting in a long poll is aborted (nothing was received yet); one handling a batch
 * is left to finish it, acknowledgements included.
 */
export class ConsumerDrain {
  private readonly states: ConsumerState[] = [];

  track(sqsService: SqsService): void {
    for (const { instance } of sqsService.consumers.values()) {
      const state: ConsumerState = { consumer: instance, busy: false };
      instance.on('message_received', () => (state.busy = true));
      instance.on('response_processed', () => (state.busy = false));
      instance.on('empty', () => (state.busy = false));
      instance.on('error', (_err: unknown, messages: unknown) => {
        if (messages) {
          state.busy = false;
        }
      });
      this.states.push(state);
    }
  }

  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await Promise.all(
      this.states.map(async (state) => {
        state.consumer.stop({ abort: !state.busy });
        while (state.consumer.status.isPolling && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      }),
    );
  }
}

import { Injectable, Optional } from '@nestjs/common';
import type { Consumer } from 'sqs-consumer';
import { ConsumerShutdown } from '@app/platform/service-lifecycle';
import { ReceivePacer } from './receive-pacer';

type ConsumerState = { consumer: Consumer; busy: boolean };

/**
 * Stops the receive loops and waits for them (the shutdown's consumer step, ConsumerShutdown):
 * sqs-consumer's stop does not wait, which would cut a batch short.
 *
 * A consumer waiting in a long poll is aborted (nothing was received yet); one handling a batch
 * is left to finish it, acknowledgements included.
 */
@Injectable()
export class ConsumerDrain implements ConsumerShutdown {
  private readonly states: ConsumerState[] = [];

  constructor(@Optional() private readonly pacer?: ReceivePacer) {}

  /** Every receive loop. */
  get consumers(): Consumer[] {
    return this.states.map((state) => state.consumer);
  }

  /** Follows a loop from before it starts, so a first batch is never missed. */
  track(consumer: Consumer): void {
    const state: ConsumerState = { consumer, busy: false };
    consumer.on('message_received', () => (state.busy = true));
    consumer.on('response_processed', () => (state.busy = false));
    consumer.on('empty', () => (state.busy = false));
    consumer.on('error', (_err: unknown, messages: unknown) => {
      if (messages) {
        state.busy = false;
      }
    });
    this.states.push(state);
  }

  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // A paused consumer hands its messages back at once: nothing waits out the outage.
    this.pacer?.breaker.stop();
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

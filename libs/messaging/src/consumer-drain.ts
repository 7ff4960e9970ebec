import { Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { SqsService } from '@ssut/nestjs-sqs';
import type { Consumer } from 'sqs-consumer';
import { ReceivePacer } from './receive-loops';

type ConsumerState = { consumer: Consumer; busy: boolean };

/**
 * Stops @ssut/nestjs-sqs consumers and waits for them: the library stops its consumers on
 * module destroy without waiting, which would cut a batch short. Provide it in the module that
 * imports SqsModule and call `drain` on SIGTERM before closing the app.
 *
 * A consumer waiting in a long poll is aborted (nothing was received yet); one handling a batch
 * is left to finish it, acknowledgements included.
 */
@Injectable()
export class ConsumerDrain implements OnModuleInit {
  private readonly states: ConsumerState[] = [];

  constructor(
    private readonly sqsService: SqsService,
    @Optional() private readonly pacer?: ReceivePacer,
  ) {}

  /**
   * SqsService starts the consumers in its own onModuleInit, which runs first (its module is a
   * dependency of the one providing this): track them now, before a first batch arrives unseen.
   */
  onModuleInit(): void {
    for (const { instance } of this.sqsService.consumers.values()) {
      this.track(instance);
    }
  }

  /** Every receive loop, SqsService's and the extra ones. */
  get consumers(): Consumer[] {
    return this.states.map((state) => state.consumer);
  }

  /** A consumer started outside SqsService (an extra receive loop): drained like the others. */
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

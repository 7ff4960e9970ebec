import { Injectable, OnModuleInit } from '@nestjs/common';
import { SqsService } from '@ssut/nestjs-sqs';
import type { Consumer } from 'sqs-consumer';

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

  constructor(private readonly sqsService: SqsService) {}

  /**
   * SqsService starts the consumers in its own onModuleInit, which runs first (its module is a
   * dependency of the one providing this): track them now, before a first batch arrives unseen.
   */
  onModuleInit(): void {
    for (const { instance } of this.sqsService.consumers.values()) {
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

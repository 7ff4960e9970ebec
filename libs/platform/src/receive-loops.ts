import { SQSClient } from '@aws-sdk/client-sqs';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Type,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Consumer } from 'sqs-consumer';
import {
  BatchHandler,
  ConsumerDrain,
  createReceiveLoops,
  QueueDirectory,
  ReceivePacer,
} from '@app/messaging';

export const CONSUMED = Symbol('CONSUMED');

export interface ConsumedQueue {
  queue: string;
  batchSize: number;
  /** The provider whose `@SqsMessageHandler(queue, true)` method is `handle`. */
  handler: Type<BatchHandler>;
}

/** What the extra loops are started with. */
export interface ReceiveLoopPlan extends ConsumedQueue {
  /** Loops in all, @ssut/nestjs-sqs's included. */
  loops: number;
  waitTimeSeconds: number;
  visibilityTimeoutSeconds: number;
  pacer: ReceivePacer;
}

/**
 * The receive loops beyond @ssut/nestjs-sqs's one (SQS_RECEIVE_LOOPS - 1), on the same queue
 * and the same handler, started once every provider is ready and drained with the others.
 */
@Injectable()
export class ExtraReceiveLoops implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ExtraReceiveLoops.name);
  private loops: Consumer[] = [];

  constructor(
    @Inject(CONSUMED) private readonly plan: ReceiveLoopPlan,
    private readonly moduleRef: ModuleRef,
    private readonly queues: QueueDirectory,
    private readonly sqs: SQSClient,
    private readonly drain: ConsumerDrain,
  ) {}

  onApplicationBootstrap(): void {
    const handler = this.moduleRef.get(this.plan.handler, { strict: false });
    this.loops = createReceiveLoops(
      this.plan.loops - 1,
      {
        queueUrl: this.queues.get(this.plan.queue).url,
        sqs: this.sqs,
        batchSize: this.plan.batchSize,
        waitTimeSeconds: this.plan.waitTimeSeconds,
        visibilityTimeoutSeconds: this.plan.visibilityTimeoutSeconds,
        pacer: this.plan.pacer,
      },
      handler,
    );
    // SqsService's own loop is tracked by the drain already; the pacer follows every loop.
    for (const loop of this.loops) {
      loop.on('error', (err: Error & { code?: string }) => {
        if (err.code !== 'AbortError') {
          this.logger.warn({ err }, 'receive loop error');
        }
      });
      this.drain.track(loop);
    }
    for (const loop of this.drain.consumers) {
      this.plan.pacer.watch(loop);
    }
    this.loops.forEach((loop) => loop.start());
  }

  onModuleDestroy(): void {
    for (const loop of this.loops) {
      loop.stop({ abort: true });
    }
  }
}

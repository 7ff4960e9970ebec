import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamicModule, Module, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConsumerShutdown } from '@app/platform/service-lifecycle';
import { ConsumerDrain } from './consumer-drain';
import type { MessagingEnvironment } from './messaging-environment';
import { QUEUE_DEPTH_SAMPLE_INTERVAL_MS, QueueDepthCollector } from './queue-depth.collector';
import { QueueDirectory } from './queue-directory';
import { RECEIVE_LOOP_PLAN, ReceiveLoopPlan, ReceiveLoops } from './receive-loops';
import { ReceivePacer } from './receive-pacer';
import { createSqsClient } from './sqs-client';

export interface MessagingOptions {
  env: MessagingEnvironment;
  /** Every queue the app uses: its logical name (@app/contracts) → the queue's name or URL. */
  queues: Record<string, string>;
  /** The queue the app consumes with its `@SqsMessageHandler(queue, true)` batch handler. */
  consumes: { queue: string; batchSize: number };
}

class SqsClientCloser implements OnApplicationShutdown {
  constructor(private readonly sqs: SQSClient) {}
  onApplicationShutdown(): void {
    this.sqs.destroy();
  }
}

/**
 * A service's SQS side, for every module: the client, the resolved QueueDirectory, the receive
 * loops of the consumed queue with their pacer (and its breaker, which the handler injects),
 * their shutdown drain (platform's ConsumerShutdown step) and the queue-depth metric.
 */
@Module({})
export class MessagingModule {
  static forRoot({ env, queues, consumes }: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [
        {
          provide: SQSClient,
          useFactory: () =>
            createSqsClient({
              region: env.AWS_REGION,
              endpoint: env.SQS_ENDPOINT,
              connectTimeoutMs: env.SQS_CONNECT_TIMEOUT_MS,
              requestTimeoutMs: env.SQS_REQUEST_TIMEOUT_MS,
            }),
        },
        {
          provide: QueueDirectory,
          useFactory: (sqs: SQSClient) => QueueDirectory.resolve(sqs, queues),
          inject: [SQSClient],
        },
        {
          provide: SqsClientCloser,
          useFactory: (sqs: SQSClient) => new SqsClientCloser(sqs),
          inject: [SQSClient],
        },
        // One for all the loops on the queue: when SQS is unreachable, it is so for all of them;
        // its breaker pauses them all while the handler's dependencies fail.
        { provide: ReceivePacer, useValue: new ReceivePacer() },
        ConsumerDrain,
        { provide: ConsumerShutdown, useExisting: ConsumerDrain },
        {
          provide: RECEIVE_LOOP_PLAN,
          useValue: {
            ...consumes,
            loops: env.SQS_RECEIVE_LOOPS,
            waitTimeSeconds: env.SQS_WAIT_TIME_SECONDS,
            visibilityTimeoutSeconds: env.SQS_VISIBILITY_TIMEOUT_SECONDS,
          } satisfies ReceiveLoopPlan,
        },
        ReceiveLoops,
        QueueDepthCollector,
        {
          provide: QUEUE_DEPTH_SAMPLE_INTERVAL_MS,
          useValue: env.QUEUE_DEPTH_SAMPLE_INTERVAL_MS,
        },
      ],
      exports: [SQSClient, QueueDirectory, ReceivePacer, ConsumerDrain, ConsumerShutdown],
    };
  }
}

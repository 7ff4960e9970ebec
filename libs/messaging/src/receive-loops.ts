import { Message, SQSClient } from '@aws-sdk/client-sqs';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import {
  SQS_CONSUMER_EVENT_HANDLER,
  SQS_CONSUMER_METHOD,
} from '@ssut/nestjs-sqs/dist/sqs.constants';
import { Consumer, ConsumerOptions } from 'sqs-consumer';
import { ConsumerDrain } from './consumer-drain';
import { QueueDirectory } from './queue-directory';
import { ReceivePacer } from './receive-pacer';

export const RECEIVE_LOOP_PLAN = Symbol('RECEIVE_LOOP_PLAN');

/** The queue a service consumes and how: its handler is `@SqsMessageHandler(queue, true)`. */
export interface ReceiveLoopPlan {
  queue: string;
  batchSize: number;
  loops: number;
  waitTimeSeconds: number;
  /** Set on each receive: the time a message stays in hand before the heartbeat extends it. */
  visibilityTimeoutSeconds: number;
}

type BatchHandle = (messages: Message[]) => Promise<Message[] | void>;
type Listener = { event: string; listener: (...args: unknown[]) => void };

/**
 * The options of every receive loop on a queue. A failed message's visibility is the backoff the
 * BatchProcessor set: the consumer must not reset it to 0.
 */
export function receiveLoopOptions(
  plan: ReceiveLoopPlan,
  queueUrl: string,
  sqs: SQSClient,
  pacer: ReceivePacer,
): ConsumerOptions {
  return {
    queueUrl,
    sqs,
    batchSize: plan.batchSize,
    waitTimeSeconds: plan.waitTimeSeconds,
    visibilityTimeout: plan.visibilityTimeoutSeconds,
    terminateVisibilityTimeout: false,
    messageAttributeNames: ['All'],
    // SentTimestamp: sales-worker keeps it with each sale, to time the relay's hop (bench/).
    messageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
    preReceiveMessageCallback: () => pacer.beforeReceive(),
    postReceiveMessageCallback: () => Promise.resolve(pacer.received()),
  };
}

/**
 * The receive loops of the consumed queue, all SQS_RECEIVE_LOOPS of them, into the provider
 * method marked `@SqsMessageHandler(queue, true)`, with the `@SqsConsumerEventHandler(queue, …)`
 * listeners attached to each.
 *
 * Why ours and not SqsModule's consumers: an sqs-consumer loop receives a batch, handles it,
 * deletes it and only then receives again, so one loop caps a queue's drain at one batch per
 * round trip; @ssut/nestjs-sqs keys a consumer by its name and a method's decorator names one,
 * so it cannot run several loops into one handler. The decorators stay the entry point; this
 * adapter only runs the loops. It starts them in onApplicationBootstrap, after every provider's
 * onModuleInit, and tracks each for the shutdown drain before it starts: nothing depends on
 * which module initialises first.
 */
@Injectable()
export class ReceiveLoops implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReceiveLoops.name);
  private loops: Consumer[] = [];

  constructor(
    @Inject(RECEIVE_LOOP_PLAN) private readonly plan: ReceiveLoopPlan,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly queues: QueueDirectory,
    private readonly sqs: SQSClient,
    private readonly pacer: ReceivePacer,
    private readonly drain: ConsumerDrain,
  ) {}

  onApplicationBootstrap(): void {
    const { handle, listeners } = this.discover();
    const options = receiveLoopOptions(
      this.plan,
      this.queues.get(this.plan.queue).url,
      this.sqs,
      this.pacer,
    );
    const logsErrors = listeners.some(({ event }) => event === 'error');
    this.loops = Array.from({ length: this.plan.loops }, () => {
      const loop = Consumer.create({ ...options, handleMessageBatch: handle });
      for (const { event, listener } of listeners) {
        loop.on(event as 'error', listener);
      }
      if (!logsErrors) {
        loop.on('error', (err: Error & { code?: string }) => {
          if (err.code !== 'AbortError') {
            this.logger.warn({ err }, 'receive loop error');
          }
        });
      }
      this.pacer.watch(loop);
      this.drain.track(loop);
      return loop;
    });
    this.loops.forEach((loop) => loop.start());
  }

  onModuleDestroy(): void {
    for (const loop of this.loops) {
      loop.stop({ abort: true });
    }
  }

  /** The decorated batch handler of the plan's queue and its event listeners. */
  private discover(): { handle: BatchHandle; listeners: Listener[] } {
    let handle: BatchHandle | undefined;
    const listeners: Listener[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object') {
        continue;
      }
      const methods = instance as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(
        Object.getPrototypeOf(instance) as object,
      )) {
        const method = methods[name];
        if (typeof method !== 'function') {
          continue;
        }
        const marked = Reflect.getMetadata(SQS_CONSUMER_METHOD, method) as
          { name: string; batch?: boolean } | undefined;
        if (marked?.name === this.plan.queue && marked.batch === true) {
          handle = (method as BatchHandle).bind(instance);
        }
        const event = Reflect.getMetadata(SQS_CONSUMER_EVENT_HANDLER, method) as
          { name: string; eventName: string } | undefined;
        if (event?.name === this.plan.queue) {
          listeners.push({
            event: event.eventName,
            listener: (method as Listener['listener']).bind(instance),
          });
        }
      }
    }
    if (!handle) {
      throw new Error(`no @SqsMessageHandler('${this.plan.queue}', true) provider`);
    }
    return { handle, listeners };
  }
}

import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  Inject,
  Injectable,
  OnApplicationBootstrap,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import { QueueDirectory } from './queue-directory';

export const QUEUE_DEPTH_SAMPLE_INTERVAL_MS = Symbol('QUEUE_DEPTH_SAMPLE_INTERVAL_MS');

const STATES = {
  visible: 'ApproximateNumberOfMessages',
  in_flight: 'ApproximateNumberOfMessagesNotVisible',
  delayed: 'ApproximateNumberOfMessagesDelayed',
} as const;

/**
 * `sqs_queue_messages{queue,state}`: each queue's and DLQ's depth (visible = waiting, in_flight =
 * received and not yet deleted, delayed), read from SQS every QUEUE_DEPTH_SAMPLE_INTERVAL_MS.
 * A scrape reads the last sample: however often /metrics is called, SQS is asked on the interval.
 */
@Injectable()
export class QueueDepthCollector implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private gauge?: Gauge<'queue' | 'state'>;
  private timer?: NodeJS.Timeout;
  private sampling = false;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: QueueDirectory,
    @Inject(QUEUE_DEPTH_SAMPLE_INTERVAL_MS) private readonly intervalMs: number,
  ) {}

  onModuleInit(): void {
    register.removeSingleMetric('sqs_queue_messages');
    this.gauge = new Gauge({
      name: 'sqs_queue_messages',
      help: 'Messages in each queue and dead-letter queue, by state (sampled on an interval)',
      labelNames: ['queue', 'state'],
    });
  }

  onApplicationBootstrap(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    if (this.sampling) {
      return;
    }
    this.sampling = true;
    try {
      const urls = this.queues.all().flatMap((q) => [q.url, q.deadLetterUrl]);
      await Promise.all(urls.map((url) => this.sampleQueue(url)));
    } finally {
      this.sampling = false;
    }
  }

  private async sampleQueue(url: string): Promise<void> {
    const queue = url.slice(url.lastIndexOf('/') + 1);
    try {
      const { Attributes = {} } = await this.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: Object.values(STATES) }),
        { abortSignal: AbortSignal.timeout(1_000) },
      );
      for (const [state, attribute] of Object.entries(STATES)) {
        this.gauge?.set({ queue, state }, Number(Attributes[attribute] ?? 0));
      }
    } catch {
      // SQS unreachable: leave the last reading; readiness reports the outage.
    }
  }
}

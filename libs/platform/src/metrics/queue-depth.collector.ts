import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import { QueueDirectory } from '@app/messaging';

/**
 * `sqs_queue_messages{queue,state}`: each queue's and DLQ's depth, read from SQS when scraped
 * (visible = waiting, in_flight = received and not yet deleted, delayed).
 */
@Injectable()
export class QueueDepthCollector implements OnModuleInit {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: QueueDirectory,
  ) {}

  onModuleInit(): void {
    const urls = this.queues.all().flatMap((q) => [q.url, q.deadLetterUrl]);
    const sqs = this.sqs;
    register.removeSingleMetric('sqs_queue_messages');
    new Gauge({
      name: 'sqs_queue_messages',
      help: 'Messages in each queue and dead-letter queue, by state',
      labelNames: ['queue', 'state'],
      async collect() {
        await Promise.all(
          urls.map(async (url) => {
            const queue = url.slice(url.lastIndexOf('/') + 1);
            try {
              const { Attributes = {} } = await sqs.send(
                new GetQueueAttributesCommand({
                  QueueUrl: url,
                  AttributeNames: [
                    'ApproximateNumberOfMessages',
                    'ApproximateNumberOfMessagesNotVisible',
                    'ApproximateNumberOfMessagesDelayed',
                  ],
                }),
                { abortSignal: AbortSignal.timeout(1_000) },
              );
              this.set(
                { queue, state: 'visible' },
                Number(Attributes.ApproximateNumberOfMessages ?? 0),
              );
              this.set(
                { queue, state: 'in_flight' },
                Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
              );
              this.set(
                { queue, state: 'delayed' },
                Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
              );
            } catch {
              // SQS unreachable: leave the last reading; readiness reports the outage.
            }
          }),
        );
      },
    });
  }
}

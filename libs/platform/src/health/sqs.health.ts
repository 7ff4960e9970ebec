import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { QueueDirectory } from '@app/messaging';

/** SQS is ready when every configured queue answers GetQueueAttributes within the timeout. */
@Injectable()
export class SqsHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly sqs: SQSClient,
    private readonly queues: QueueDirectory,
  ) {}

  async check(key: string, timeoutMs: number) {
    const indicator = this.health.check(key);
    try {
      await Promise.all(
        this.queues
          .all()
          .map((queue) =>
            this.sqs.send(
              new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['QueueArn'] }),
              { abortSignal: AbortSignal.timeout(timeoutMs) },
            ),
          ),
      );
      return indicator.up();
    } catch {
      return indicator.down({ message: 'queues unreachable' });
    }
  }
}

import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Injectable } from '@nestjs/common';
import { ReadinessCheck } from '@app/platform/health/readiness-check';
import { QueueDirectory } from './queue-directory';

/** SQS is ready when every configured queue answers GetQueueAttributes within the timeout. */
@Injectable()
export class SqsReadinessCheck implements ReadinessCheck {
  readonly name = 'sqs';

  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: QueueDirectory,
  ) {}

  async check(timeoutMs: number): Promise<void> {
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
    } catch {
      // The SDK's message names hosts: the public answer says only what is down.
      throw new Error('queues unreachable');
    }
  }
}

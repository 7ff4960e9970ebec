import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  QueueAttributeName,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { deadLetterQueueName } from '@app/contracts';

export interface QueueSetupOptions {
  /** Deliveries before SQS moves a message to the DLQ. */
  maxReceiveCount: number;
  /** Seconds a received message stays invisible to other consumers. */
  visibilityTimeoutSeconds: number;
  /** Seconds a message is kept (SQS's maximum is 14 days). */
  retentionSeconds: number;
}

export const DEFAULT_QUEUE_SETUP: QueueSetupOptions = {
  maxReceiveCount: 10,
  visibilityTimeoutSeconds: 30,
  retentionSeconds: 1_209_600,
};

export interface CreatedQueue {
  name: string;
  url: string;
  dlqUrl: string;
}

async function createOrUpdate(
  sqs: SQSClient,
  name: string,
  attributes: Partial<Record<QueueAttributeName, string>>,
): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (!QueueUrl) {
    throw new Error(`CreateQueue ${name} returned no URL`);
  }
  // CreateQueue with attributes fails on an existing queue whose attributes differ; setting them
  // afterwards makes the step idempotent and lets a re-run change maxReceiveCount.
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
  return QueueUrl;
}

/**
 * Creates each queue and its `<name>-dlq` with a redrive policy. Idempotent: the launcher, the
 * tests and the LocalStack init step all run it.
 */
export async function ensureQueues(
  sqs: SQSClient,
  names: readonly string[],
  options: QueueSetupOptions = DEFAULT_QUEUE_SETUP,
): Promise<CreatedQueue[]> {
  const created: CreatedQueue[] = [];
  for (const name of names) {
    const dlqUrl = await createOrUpdate(sqs, deadLetterQueueName(name), {
      MessageRetentionPeriod: String(options.retentionSeconds),
    });
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const dlqArn = Attributes?.QueueArn;
    if (!dlqArn) {
      throw new Error(`queue ${deadLetterQueueName(name)} has no ARN`);
    }
    const url = await createOrUpdate(sqs, name, {
      VisibilityTimeout: String(options.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(options.retentionSeconds),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlqArn,
        maxReceiveCount: options.maxReceiveCount,
      }),
    });
    created.push({ name, url, dlqUrl });
  }
  return created;
}

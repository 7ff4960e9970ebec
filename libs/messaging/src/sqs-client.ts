import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';

export interface SqsConnectionOptions {
  region: string;
  /** Set for LocalStack or the embedded stand-in; unset on AWS. */
  endpoint?: string;
}

/**
 * An SQS client for AWS or an SQS-compatible endpoint. With an explicit endpoint every call goes
 * there, whatever host the queue URLs name (stand-ins hand out URLs like
 * `http://sqs.<region>.localhost/...` that do not resolve).
 */
export function createSqsClient({ region, endpoint }: SqsConnectionOptions): SQSClient {
  if (!endpoint) {
    return new SQSClient({ region });
  }
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID ?? process.env.AWS_PROFILE);
  return new SQSClient({
    region,
    endpoint,
    useQueueUrlAsEndpoint: false,
    ...(hasCredentials ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  });
}

/** Accepts a queue name or a full queue URL and answers the URL. */
export async function resolveQueueUrl(sqs: SQSClient, nameOrUrl: string): Promise<string> {
  if (/^https?:\/\//.test(nameOrUrl)) {
    return nameOrUrl;
  }
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: nameOrUrl }));
  if (!QueueUrl) {
    throw new Error(`queue ${nameOrUrl} has no URL`);
  }
  return QueueUrl;
}

export function queueNameOf(queueUrl: string): string {
  return queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
}

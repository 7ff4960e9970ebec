import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

type HttpRequest = Parameters<NodeHttpHandler['handle']>[0];
type HttpHandlerOptions = NonNullable<Parameters<NodeHttpHandler['handle']>[1]>;

export interface SqsConnectionOptions {
  region: string;
  /** Set for LocalStack or the embedded stand-in; unset on AWS. */
  endpoint?: string;
  /** How long to wait for a TCP connection to SQS (default 3 s). */
  connectTimeoutMs?: number;
  /**
   * How long one SQS call may take, from request sent to response read (default 5 s); a long
   * poll gets its wait time on top. The SDK tries a call up to 3 times (standard retry mode).
   */
  requestTimeoutMs?: number;
}

/**
 * Connect and request timeouts: an SQS call never waits longer than `requestTimeoutMs`
 * (ReceiveMessage: plus the longest long poll, 20 s), not the SDK's 900 s socket timeout,
 * whatever the endpoint does. SQS answers in milliseconds; 5 s is far beyond its p99 and short
 * enough that a black-holed endpoint frees a caller in seconds.
 */
export const DEFAULT_SQS_CONNECT_TIMEOUT_MS = 3_000;
export const DEFAULT_SQS_REQUEST_TIMEOUT_MS = 5_000;

/** The longest long poll SQS allows: a ReceiveMessage may wait this long before answering. */
const MAX_LONG_POLL_MS = 20_000;

/** How long a call may stay unanswered before it is a timeout rather than a long poll. */
function longPollMs(request: HttpRequest): number {
  return request.headers['x-amz-target'] === 'AmazonSQS.ReceiveMessage' ? MAX_LONG_POLL_MS : 0;
}

/** NodeHttpHandler whose request timeout covers a long poll's wait, and only for a receive. */
class SqsHttpHandler extends NodeHttpHandler {
  constructor(
    private readonly requestTimeoutMs: number,
    connectionTimeout: number,
  ) {
    super({ connectionTimeout, requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true });
  }

  override handle(request: HttpRequest, options: HttpHandlerOptions = {}) {
    return super.handle(request, {
      ...options,
      requestTimeout: options.requestTimeout ?? this.requestTimeoutMs + longPollMs(request),
    });
  }
}

/**
 * An SQS client for AWS or an SQS-compatible endpoint. With an explicit endpoint every call goes
 * there, whatever host the queue URLs name (stand-ins hand out URLs like
 * `http://sqs.<region>.localhost/...` that do not resolve).
 */
export function createSqsClient({
  region,
  endpoint,
  connectTimeoutMs = DEFAULT_SQS_CONNECT_TIMEOUT_MS,
  requestTimeoutMs = DEFAULT_SQS_REQUEST_TIMEOUT_MS,
}: SqsConnectionOptions): SQSClient {
  const requestHandler = new SqsHttpHandler(requestTimeoutMs, connectTimeoutMs);
  if (!endpoint) {
    return new SQSClient({ region, requestHandler });
  }
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID ?? process.env.AWS_PROFILE);
  return new SQSClient({
    region,
    requestHandler,
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

/**
 * Prints every queue at an SQS endpoint with the attributes queue-setup sets, sorted, so two runs
 * can be compared byte for byte (tools/compose/run.sh: queue-setup's idempotence).
 *   tsx tools/compose/queues.ts http://127.0.0.1:PORT
 */
import {
  GetQueueAttributesCommand,
  ListQueuesCommand,
  QueueAttributeName,
  SQSClient,
} from '@aws-sdk/client-sqs';

const ATTRIBUTES: QueueAttributeName[] = [
  'RedrivePolicy',
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'QueueArn',
];

async function main(endpoint: string): Promise<void> {
  const sqs = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    // Queue URLs name the compose network's host (localstack:4566): talk to this endpoint.
    useQueueUrlAsEndpoint: false,
  });
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
  const queues: Record<string, Record<string, string | undefined>> = {};
  for (const url of [...QueueUrls].sort()) {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    queues[url.split('/').pop() ?? url] = Object.fromEntries(
      ATTRIBUTES.filter((name) => name in Attributes).map((name) => [name, Attributes[name]]),
    );
  }
  process.stdout.write(`${JSON.stringify(queues, null, 2)}\n`);
}

main(process.argv[2] ?? '').catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { TcpProxy } from '../../../tools/testing/tcp-proxy';
import { createSqsClient } from './sqs-client';

describe(createSqsClient.name, () => {
  let proxy: TcpProxy;

  beforeAll(async () => {
    // Nothing listens behind it: in hang mode it accepts connections and never answers.
    proxy = await TcpProxy.start('127.0.0.1', 9);
    proxy.hang();
  });

  afterAll(() => proxy.close());

  const client = (requestTimeoutMs: number) =>
    createSqsClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${proxy.port}`,
      requestTimeoutMs,
      connectTimeoutMs: 1_000,
    });

  it('should give up on a black-holed endpoint after its request timeout, retries included', async () => {
    const sqs = client(300);
    const started = Date.now();
    try {
      await expect(
        sqs.send(new SendMessageCommand({ QueueUrl: 'http://q/1/sales', MessageBody: 'x' })),
      ).rejects.toThrow(/requestTimeout/);
      // 3 tries of 300 ms and the SDK's short backoff; the default socket timeout is 900 s.
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      sqs.destroy();
    }
  });

  it('should give a long poll its wait on top of the request timeout', async () => {
    const sqs = client(300);
    const started = Date.now();
    try {
      await expect(
        sqs.send(new ReceiveMessageCommand({ QueueUrl: 'http://q/1/sales', WaitTimeSeconds: 1 }), {
          abortSignal: AbortSignal.timeout(2_000),
        }),
      ).rejects.toThrow(/abort/i);
      // Still waiting at 2 s, past 3 × 300 ms: the 20 s long-poll allowance applies.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    } finally {
      sqs.destroy();
    }
  });
});

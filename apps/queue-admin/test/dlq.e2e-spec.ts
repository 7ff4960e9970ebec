import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetter } from '@app/messaging/dead-letters';
import { createTestQueues, queueDepth, testSqsClient } from '../../../tools/testing/queues';
import { run } from '../src/main';

describe('queue-admin dlq', () => {
  let sqs: SQSClient;

  beforeAll(() => {
    sqs = testSqsClient();
  });

  afterAll(() => sqs.destroy());

  it('should list poison of every shape, and move only the chosen message back', async () => {
    const queues = await createTestQueues(sqs);
    const bodies = ['null', '[1]', '42', '{oops', '{"type":"payment.recorded","paymentId":"p-1"}'];
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.sales.dlqUrl,
        Entries: bodies.map((MessageBody, i) => ({ Id: String(i), MessageBody })),
      }),
    );
    const env = {
      SQS_ENDPOINT: process.env.TEST_SQS_ENDPOINT,
      SALES_QUEUE: queues.sales.url,
      PAYMENT_STATUS_QUEUE: queues.paymentStatus.url,
    };
    const out: string[] = [];

    await run(['dlq', 'list', '--json'], env, (line) => out.push(line));
    const letters = out.map((line) => JSON.parse(line) as DeadLetter);
    expect(letters.map((l) => l.body).sort()).toEqual([...bodies].sort());
    const known = letters.find((l) => l.paymentId === 'p-1');
    expect(known).toMatchObject({ type: 'payment.recorded', deadLetteredBy: 'redrive-policy' });

    out.length = 0;
    await run(['dlq', 'redrive', '--id', known?.messageId ?? ''], env, (line) => out.push(line));
    expect(out).toEqual([`moved 1 message(s): ${queues.sales.name}-dlq → ${queues.sales.name}`]);

    out.length = 0;
    await run(['dlq', 'list', '--json'], env, (line) => out.push(line));
    expect(out).toHaveLength(bodies.length - 1);
  });
  it('should move everything once and end, while a consumer dead-letters the poison again', async () => {
    const queues = await createTestQueues(sqs);
    const poison = ['{oops', 'null', '{"type":"payment.recorded","paymentId":"p-2"}'];
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.sales.dlqUrl,
        Entries: poison.map((MessageBody, i) => ({ Id: String(i), MessageBody })),
      }),
    );
    const env = {
      SQS_ENDPOINT: process.env.TEST_SQS_ENDPOINT,
      SALES_QUEUE: queues.sales.url,
      PAYMENT_STATUS_QUEUE: queues.paymentStatus.url,
    };
    // The worker's part: whatever comes back to the source queue fails again and is
    // dead-lettered at once, as poison is.
    let consuming = true;
    let deadLetteredAgain = 0;
    const consumer = (async () => {
      while (consuming) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queues.sales.url, WaitTimeSeconds: 1 }),
        );
        for (const message of Messages) {
          await sqs.send(
            new SendMessageCommand({ QueueUrl: queues.sales.dlqUrl, MessageBody: message.Body }),
          );
          await sqs.send(
            new DeleteMessageCommand({
              QueueUrl: queues.sales.url,
              ReceiptHandle: message.ReceiptHandle,
            }),
          );
          deadLetteredAgain += 1;
        }
      }
    })();
    const out: string[] = [];
    try {
      await run(['dlq', 'redrive'], env, (line) => out.push(line));
    } finally {
      consuming = false;
      await consumer;
    }

    expect(out).toEqual([`moved 3 message(s): ${queues.sales.name}-dlq → ${queues.sales.name}`]);
    expect(deadLetteredAgain).toBe(3);
    const dlq = await queueDepth(sqs, queues.sales.dlqUrl);
    expect(dlq.visible + dlq.inFlight).toBe(3);
  }, 30_000);
  it('should list at most --max messages, and say there may be more', async () => {
    const queues = await createTestQueues(sqs);
    for (let batch = 0; batch < 2; batch += 1) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queues.sales.dlqUrl,
          Entries: Array.from({ length: 6 }, (_, i) => ({
            Id: String(i),
            MessageBody: `{"n":${batch * 6 + i}}`,
          })),
        }),
      );
    }
    const env = {
      SQS_ENDPOINT: process.env.TEST_SQS_ENDPOINT,
      SALES_QUEUE: queues.sales.url,
      PAYMENT_STATUS_QUEUE: queues.paymentStatus.url,
    };
    const out: string[] = [];
    await run(['dlq', 'list', '--max', '5'], env, (line) => out.push(line));
    expect(out[0]).toBe(`5 message(s) in ${queues.sales.name}-dlq (the first 5; --max for more)`);
    expect(out[1]).toMatch(/^MESSAGE ID +TYPE +PAYMENT ID +DEAD-LETTERED BY/);
    expect(out).toHaveLength(7);

    out.length = 0;
    await run(['dlq', 'list', '--max', '50'], env, (line) => out.push(line));
    expect(out[0]).toBe(`12 message(s) in ${queues.sales.name}-dlq`);
    await expect(run(['dlq', 'list', '--max', '0'], env, () => undefined)).rejects.toThrow(
      '--max must be a positive integer',
    );
  });
  it('should neutralise escape sequences from bodies and attributes in list and show', async () => {
    const queues = await createTestQueues(sqs);
    const hostile = '\u001b[2J\u001b]0;owned\u0007\u009b31m\u202e';
    const body = JSON.stringify({ type: `x${hostile}`, paymentId: hostile });
    const text = (value: string) => ({ DataType: 'String', StringValue: value });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.sales.dlqUrl,
        MessageBody: body,
        MessageAttributes: {
          failureCode: text(`BAD${hostile}`),
          failureReason: text(`reason${hostile}\nforged\tline`),
          correlationId: text(hostile),
        },
      }),
    );
    const env = {
      SQS_ENDPOINT: process.env.TEST_SQS_ENDPOINT,
      SALES_QUEUE: queues.sales.url,
      PAYMENT_STATUS_QUEUE: queues.paymentStatus.url,
    };
    const output = async (...argv: string[]): Promise<string[]> => {
      const lines: string[] = [];
      await run(argv, env, (line) => lines.push(line));
      return lines;
    };
    // Nothing a terminal acts on; the table keeps one line per message, tabs and newlines escaped.
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

    const table = await output('dlq', 'list');
    expect(table).toHaveLength(3); // the count, the header, the one message
    expect(table.join('\n')).not.toMatch(unsafe);
    expect(table[2]).toContain('\\u001b[2J');
    expect(table[2]).toContain('\\u000aforged\\u0009line');

    const [json] = await output('dlq', 'list', '--json');
    expect(json).not.toMatch(unsafe);
    const letter = JSON.parse(json) as DeadLetter;
    expect(letter.body).toBe(body);

    const shown = await output('dlq', 'show', letter.messageId);
    expect(shown.join('\n')).not.toMatch(unsafe);
    expect((JSON.parse(shown.join('\n')) as DeadLetter).failureReason).toBe(
      `reason${hostile}\nforged\tline`,
    );
  });
});

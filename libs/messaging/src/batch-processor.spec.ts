import { Message, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PermanentMessageError } from '@app/contracts';
import {
  createTestQueues,
  receiveAll,
  testSqsClient,
  TestQueues,
} from '../../../tools/testing/queues';
import {
  BatchProcessor,
  BatchProcessorOptions,
  FAILURE_ATTRIBUTES,
  GiveUp,
} from './batch-processor';
import { ConsumerBreaker } from './consumer-breaker';
import { classifyFailure, DependencyUnavailableError } from './failure-kind';

/** Sends `bodies` to the queue and receives them as a consumer would (30 s visibility). */
async function receive(sqs: SQSClient, queueUrl: string, bodies: string[]): Promise<Message[]> {
  for (const body of bodies) {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  }
  const messages = await receiveAll(sqs, queueUrl, { visibilitySeconds: 30 });
  expect(messages.map((m) => m.Body).sort()).toEqual([...bodies].sort());
  return messages;
}

describe(BatchProcessor.name, () => {
  let sqs: SQSClient;
  let queues: TestQueues;
  let givenUp: GiveUp[];

  function processor(overrides: Partial<BatchProcessorOptions> = {}): BatchProcessor {
    return new BatchProcessor({
      sqs,
      queueUrl: queues.sales.url,
      deadLetterQueueUrl: queues.sales.dlqUrl,
      retry: { baseDelaySeconds: 1, maxDelaySeconds: 10, maxAttempts: 3 },
      classify: (err) => classifyFailure(err),
      visibilityTimeoutSeconds: 30,
      onGiveUp: (_message, reason) => {
        givenUp.push(reason);
        return Promise.resolve();
      },
      ...overrides,
    });
  }

  beforeAll(() => {
    sqs = testSqsClient();
  });

  beforeEach(async () => {
    queues = await createTestQueues(sqs);
    givenUp = [];
  });

  afterAll(() => sqs.destroy());

  it('should acknowledge the handled messages and put a failing one back after its backoff', async () => {
    const messages = await receive(sqs, queues.sales.url, ['ok-1', 'flaky', 'ok-2']);

    const acked = await processor().process(messages, async ({ raw }) => {
      if (raw.Body === 'flaky') {
        throw new Error('deadlock found');
      }
    });

    expect(acked.map((m) => m.Body).sort()).toEqual(['ok-1', 'ok-2']);
    // Received with 30 s of visibility: it is back this soon only through the 1 s backoff.
    const again = await receiveAll(sqs, queues.sales.url, { waitSeconds: 5 });
    expect(again.map((m) => m.Body)).toEqual(['flaky']);
    expect(again[0].Attributes?.ApproximateReceiveCount).toBe('2');
    await expect(receiveAll(sqs, queues.sales.dlqUrl, { waitSeconds: 0 })).resolves.toEqual([]);
  });

  it('should copy a permanent failure to the DLQ with its reason, and acknowledge it', async () => {
    const [message] = await receive(sqs, queues.sales.url, ['{not json']);

    const acked = await processor().process([message], () =>
      Promise.reject(new PermanentMessageError('MALFORMED_JSON', 'the body is not JSON', 'pay-1')),
    );

    expect(acked).toHaveLength(1);
    expect(givenUp).toEqual([
      {
        code: 'MALFORMED_JSON',
        message: 'the body is not JSON',
        attempts: 1,
        paymentId: 'pay-1',
        permanent: true,
      },
    ]);
    const [copy] = await receiveAll(sqs, queues.sales.dlqUrl);
    expect(copy.Body).toBe('{not json');
    expect(copy.MessageAttributes?.[FAILURE_ATTRIBUTES.code]?.StringValue).toBe('MALFORMED_JSON');
    expect(copy.MessageAttributes?.[FAILURE_ATTRIBUTES.attempts]?.StringValue).toBe('1');
  });

  it('should give up on a transient failure at its last attempt', async () => {
    const [message] = await receive(sqs, queues.sales.url, ['tired']);

    const acked = await processor({
      retry: { baseDelaySeconds: 1, maxDelaySeconds: 10, maxAttempts: 1 },
    }).process([message], () => Promise.reject(new Error('lock wait timeout')));

    expect(acked).toHaveLength(1);
    expect(givenUp.map((g) => [g.code, g.permanent])).toEqual([['RETRIES_EXHAUSTED', false]]);
    const [copy] = await receiveAll(sqs, queues.sales.dlqUrl);
    expect(copy.MessageAttributes?.[FAILURE_ATTRIBUTES.reason]?.StringValue).toBe(
      'lock wait timeout',
    );
  });

  it('should hold messages through an outage and hand back only those it kept, in one call', async () => {
    const messages = await receive(sqs, queues.sales.url, ['a', 'b', 'c']);
    const breaker = new ConsumerBreaker({ probeBaseMs: 50, probeMaxMs: 100 });
    const pauses: string[] = [];
    breaker.onPause(({ dependency }) => pauses.push(dependency));
    const rounds: string[][] = [];

    const acked = await processor({ breaker }).processBatch(messages, async (round) => {
      rounds.push(round.map((m) => m.raw.Body ?? '').sort());
      // `b`'s database is down for its first two tries; `a` and `c` go through at once.
      return round.map(({ raw }) =>
        raw.Body === 'b' && rounds.length <= 2
          ? { status: 'rejected', reason: new DependencyUnavailableError('sales DB', 'down') }
          : { status: 'fulfilled', value: undefined },
      );
    });

    expect(acked.map((m) => m.Body).sort()).toEqual(['a', 'b', 'c']);
    expect(rounds).toEqual([['a', 'b', 'c'], ['b'], ['b']]);
    expect(pauses).toEqual(['sales DB']);
    expect(breaker.paused).toBe(false);
    expect(givenUp).toEqual([]);
  });

  it('should hand a held message back at once when the consumer stops', async () => {
    const [message] = await receive(sqs, queues.sales.url, ['held']);
    const breaker = new ConsumerBreaker({ probeBaseMs: 60_000, probeMaxMs: 60_000 });
    let tries = 0;

    const processing = processor({ breaker }).process([message], () => {
      tries += 1;
      return Promise.reject(new DependencyUnavailableError('sales DB', 'down'));
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    breaker.stop();

    await expect(processing).resolves.toEqual([]);
    expect(tries).toBe(1);
    // Visible again at once (not after its 30 s), for another consumer.
    const again = await receiveAll(sqs, queues.sales.url, { waitSeconds: 2 });
    expect(again.map((m) => m.Body)).toEqual(['held']);
  });
});

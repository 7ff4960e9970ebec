import { MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  createTestQueues,
  eventually,
  queueDepth,
  receiveAll,
  testSqsClient,
  TestQueues,
} from '../../../tools/testing/queues';
import { FAILURE_ATTRIBUTES } from './batch-processor';
import { listDeadLetters, redriveDeadLetters } from './dead-letters';

/** A message as the consumer dead-letters it: its own attributes plus the failure's. */
async function deadLetter(sqs: SQSClient, dlqUrl: string, paymentId: string): Promise<string> {
  const attributes: Record<string, MessageAttributeValue> = {
    correlationId: { DataType: 'String', StringValue: `corr-${paymentId}` },
    [FAILURE_ATTRIBUTES.code]: { DataType: 'String', StringValue: 'RETRIES_EXHAUSTED' },
    [FAILURE_ATTRIBUTES.reason]: { DataType: 'String', StringValue: 'deadlock' },
    [FAILURE_ATTRIBUTES.attempts]: { DataType: 'Number', StringValue: '5' },
  };
  const { MessageId } = await sqs.send(
    new SendMessageCommand({
      QueueUrl: dlqUrl,
      MessageBody: JSON.stringify({ type: 'payment.recorded', paymentId }),
      MessageAttributes: attributes,
    }),
  );
  return MessageId ?? '';
}

let sqs: SQSClient;
let queues: TestQueues;

beforeAll(() => {
  sqs = testSqsClient();
});

beforeEach(async () => {
  queues = await createTestQueues(sqs);
});

afterAll(() => sqs.destroy());

describe(listDeadLetters.name, () => {
  it('should list each dead letter with its failure, and leave them all in the DLQ', async () => {
    await deadLetter(sqs, queues.sales.dlqUrl, 'p-1');
    await deadLetter(sqs, queues.sales.dlqUrl, 'p-2');

    const listed = await listDeadLetters(sqs, queues.sales.dlqUrl);

    expect(listed.map((d) => d.paymentId).sort()).toEqual(['p-1', 'p-2']);
    expect(listed.find((d) => d.paymentId === 'p-1')).toMatchObject({
      type: 'payment.recorded',
      correlationId: 'corr-p-1',
      failureCode: 'RETRIES_EXHAUSTED',
      failureReason: 'deadlock',
      attempts: 5,
      deadLetteredBy: 'consumer',
    });
    await expect(queueDepth(sqs, queues.sales.dlqUrl)).resolves.toEqual({
      visible: 2,
      inFlight: 0,
    });
  });
});

describe(redriveDeadLetters.name, () => {
  it('should move only the chosen messages back, without their failure attributes', async () => {
    const chosen = await deadLetter(sqs, queues.sales.dlqUrl, 'chosen');
    await deadLetter(sqs, queues.sales.dlqUrl, 'left');

    const result = await redriveDeadLetters(sqs, {
      deadLetterUrl: queues.sales.dlqUrl,
      sourceUrl: queues.sales.url,
      messageIds: new Set([chosen]),
      ratePerSecond: 100,
    });

    expect(result).toEqual({ moved: 1, method: 'receive-send-delete' });
    const [moved, ...others] = await receiveAll(sqs, queues.sales.url);
    expect(others).toEqual([]);
    expect(JSON.parse(moved.Body ?? '{}')).toMatchObject({ paymentId: 'chosen' });
    expect(Object.keys(moved.MessageAttributes ?? {})).toEqual(['correlationId']);
    const remaining = await listDeadLetters(sqs, queues.sales.dlqUrl);
    expect(remaining.map((d) => d.paymentId)).toEqual(['left']);
  });

  it('should move every dead letter back when none is chosen, and empty the DLQ', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];
    for (const id of ids) {
      await deadLetter(sqs, queues.sales.dlqUrl, id);
    }

    await redriveDeadLetters(sqs, {
      deadLetterUrl: queues.sales.dlqUrl,
      sourceUrl: queues.sales.url,
      ratePerSecond: 500,
    });

    // StartMessageMoveTask (where the endpoint has it) moves in the background.
    await eventually(
      async () => {
        const depth = await queueDepth(sqs, queues.sales.dlqUrl);
        return depth.visible + depth.inFlight === 0 ? true : undefined;
      },
      { what: 'an empty DLQ' },
    );
    const moved = await receiveAll(sqs, queues.sales.url);
    const paymentIds = moved.map(
      (m) => (JSON.parse(m.Body ?? '{}') as { paymentId: string }).paymentId,
    );
    expect(paymentIds.sort()).toEqual(ids);
  });
});

import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { encodeMessage, SalesFailedV1, SalesRecordedV1 } from '@app/contracts';
import { databaseKinds } from '../../../tools/testing/databases';
import { createTestQueues, testSqsClient } from '../../../tools/testing/queues';
import { Harness, startCustomerApi, VALID_PAYMENT } from './customer-api.harness';

/** The longest answer after the status row changed: two check intervals of 50 ms. */
const ANSWER_WITHIN_MS = 100;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  at: number;
}

describe.each(databaseKinds())('customer-api long poll (%s)', (kind) => {
  let sqs: SQSClient;
  let api: Harness;

  beforeAll(async () => {
    sqs = testSqsClient();
    api = await startCustomerApi(kind, sqs, process.env.TEST_SQS_ENDPOINT as string);
  });

  afterAll(async () => {
    await api.close();
  });

  async function pending(on: Harness = api): Promise<string> {
    const res = await on.http().post('/payments').send(VALID_PAYMENT).expect(202);
    return (res.body as { requestId: string }).requestId;
  }

  /** Starts GET /payments/{id} now; resolves with the answer and when it arrived. */
  function poll(on: Harness, id: string, prefer?: string): Promise<Answer> {
    const req = on.http().get(`/payments/${id}`);
    if (prefer !== undefined) {
      void req.set('Prefer', prefer);
    }
    return req.then((res) => ({
      status: res.status,
      body: res.body as Record<string, unknown>,
      headers: res.headers,
      at: performance.now(),
    }));
  }

  async function sendStatus(queueUrl: string, message: SalesRecordedV1 | SalesFailedV1) {
    const { body, attributes } = encodeMessage(message, 'long-poll-test');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageAttributes: attributes,
      }),
    );
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('should answer at once without Prefer, with Vary: Prefer and no Preference-Applied', async () => {
    const id = await pending();
    const started = performance.now();
    const answer = await poll(api, id);
    expect(answer.at - started).toBeLessThan(2_000);
    expect(answer.body.status).toBe('PENDING');
    expect(answer.headers.vary).toMatch(/prefer/i);
    expect(answer.headers['preference-applied']).toBeUndefined();
  });

  it('should hold a PENDING payment for the N seconds asked, then answer PENDING', async () => {
    const id = await pending();
    const started = performance.now();
    const answer = await poll(api, id, 'wait=2');
    const elapsed = answer.at - started;
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('PENDING');
    expect(answer.headers['preference-applied']).toBe('wait=2');
    expect(answer.headers['retry-after']).toBe('1');
    expect(elapsed).toBeGreaterThanOrEqual(1_950);
    expect(elapsed).toBeLessThan(6_000);
  });

  it(`should answer within ${ANSWER_WITHIN_MS} ms of the status row changing elsewhere`, async () => {
    // An UPDATE straight to the database: what another replica applying the status does.
    const latencies: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const id = await pending();
      const answer = poll(api, id, 'wait=20');
      await sleep(300);
      const changed = performance.now();
      await api.dataSource.query(
        `UPDATE payments SET status = 'COMPLETED', completed_at = updated_at WHERE id = ?`,
        [id],
      );
      const { body, headers, at } = await answer;
      expect(body.status).toBe('COMPLETED');
      expect(headers['preference-applied']).toBe('wait=20');
      latencies.push(at - changed);
    }
    process.stdout.write(
      `long poll (${kind}), ms from UPDATE to answer: ${latencies.map((l) => l.toFixed(1)).join(', ')}\n`,
    );
    // The median holds the 100 ms; one sample may lose a scheduling slice on a loaded machine.
    const sorted = [...latencies].sort((a, b) => a - b);
    expect(sorted[2]).toBeLessThan(ANSWER_WITHIN_MS);
    expect(sorted[4]).toBeLessThan(3 * ANSWER_WITHIN_MS);
  });

  it('should answer at once when this replica applies a status from the queue, with the reason', async () => {
    const id = await pending();
    const answer = poll(api, id, 'wait=25');
    await sleep(300);
    const sent = performance.now();
    await sendStatus(
      api.queues.paymentStatus.url,
      Object.assign(new SalesFailedV1(), {
        paymentId: id,
        code: 'VALIDATION_FAILED',
        message: 'customerId is not known',
        attempts: 1,
      }),
    );
    const { body, at } = await answer;
    expect(body.status).toBe('FAILED');
    expect(body.failure).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'customerId is not known',
      attempts: 1,
    });
    expect(at - sent).toBeLessThan(10_000);
  });

  it('should cap the wait and say so, and answer a settled payment at once', async () => {
    const id = await pending();
    await api.dataSource.query(`UPDATE payments SET status = 'COMPLETED' WHERE id = ?`, [id]);
    const started = performance.now();
    const answer = await poll(api, id, 'respond-async, wait=3600');
    expect(answer.body.status).toBe('COMPLETED');
    expect(answer.headers['preference-applied']).toBe('wait=30');
    expect(answer.headers['retry-after']).toBeUndefined();
    expect(answer.at - started).toBeLessThan(2_000);
  });

  it('should ignore preferences it does not know and refuse a wait that is not seconds', async () => {
    const id = await pending();
    const other = await poll(api, id, 'return=minimal');
    expect(other.status).toBe(200);
    expect(other.headers['preference-applied']).toBeUndefined();
    const bad = await poll(api, id, 'wait=soon');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'wait', message: expect.stringMatching(/seconds/) }]);
  });

  it('should answer 404 at once for an unknown id, whatever the wait', async () => {
    const answer = await poll(api, '0190a0a0-0000-7000-8000-000000000000', 'wait=20');
    expect(answer.status).toBe(404);
  });

  it('should end the waits with the current view when the instance shuts down', async () => {
    const other = await startCustomerApi(
      kind,
      sqs,
      process.env.TEST_SQS_ENDPOINT as string,
      {},
      {
        db: api.db,
        queues: await createTestQueues(sqs),
      },
    );
    const id = await pending(other);
    const started = performance.now();
    const answers = Promise.all([poll(other, id, 'wait=30'), poll(other, id, 'wait=30')]);
    await sleep(500);
    await other.close();
    for (const answer of await answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.status).toBe('PENDING');
      expect(answer.at - started).toBeLessThan(10_000);
    }
  });

  if (kind === 'mysql') {
    it('should answer a wait held by one instance when another applies the status', async () => {
      // B shares A's database but consumes a queue nobody writes to: only A applies statuses,
      // and A's in-process wake cannot reach B.
      const b = await startCustomerApi(
        kind,
        sqs,
        process.env.TEST_SQS_ENDPOINT as string,
        {},
        {
          db: api.db,
          queues: await createTestQueues(sqs),
        },
      );
      try {
        const id = await pending(b);
        const answer = poll(b, id, 'wait=25');
        await sleep(300);
        await sendStatus(
          api.queues.paymentStatus.url,
          Object.assign(new SalesRecordedV1(), {
            paymentId: id,
            recordedAt: new Date().toISOString(),
          }),
        );
        const { body, at } = await answer;
        expect(body.status).toBe('COMPLETED');
        // completedAt is stamped by A before its UPDATE commits: a bound on the latency.
        const sinceCompleted =
          Date.now() - (performance.now() - at) - Date.parse(body.completedAt as string);
        process.stdout.write(
          `long poll across instances: ${sinceCompleted.toFixed(1)} ms from A's completedAt to B's answer\n`,
        );
        expect(sinceCompleted).toBeLessThan(1_000);
      } finally {
        await b.close();
      }
    });
  }
});

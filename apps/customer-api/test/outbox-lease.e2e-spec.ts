import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { v7 as uuidv7 } from 'uuid';
import { databaseKinds } from '../../../tools/testing/databases';
import { ROOT, runCommand } from '../../../tools/testing/processes';
import { eventually, receiveAll, testSqsClient } from '../../../tools/testing/queues';
import { OutboxMessage } from '../src/outbox/outbox-message.entity';
import { Harness, startCustomerApi, VALID_PAYMENT } from './customer-api.harness';

/** An outbox row as a relay (or a crashed one) would leave it. */
function row(body: string, lease?: { owner: string; until: Date }): Partial<OutboxMessage> {
  return {
    id: uuidv7(),
    destination: 'sales',
    body,
    attributes: '{}',
    attempts: 0,
    createdAt: new Date(),
    leaseOwner: lease?.owner ?? null,
    leaseUntil: lease?.until ?? null,
  };
}

function bodies(messages: { Body?: string }[]): string[] {
  return messages.map((m) => m.Body ?? '');
}

/** The operator command, run as an operator would: `npm run outbox -- …` against the same DB. */
async function outboxCommand(
  api: Harness,
  args: string[],
): Promise<{ code: number | null; out: string }> {
  const result = await runCommand({
    script: join(ROOT, 'apps', 'customer-api', 'src', 'main.ts'),
    args: ['outbox', ...args],
    env: {
      LOG_LEVEL: 'silent',
      SQLITE_PATH: api.db.sqlitePath,
      ...(api.db.url ? { DATABASE_URL: api.db.url } : {}),
    },
  });
  return { code: result.code, out: result.stdout + result.stderr };
}

describe.each(databaseKinds())('customer-api outbox relay leases and parking (%s)', (kind) => {
  let sqs: SQSClient;

  beforeAll(() => {
    sqs = testSqsClient();
  });

  afterAll(() => sqs.destroy());

  it('should republish a row whose lease ran out and leave a row under a live lease alone', async () => {
    const api = await startCustomerApi(kind, sqs, process.env.TEST_SQS_ENDPOINT as string, {
      OUTBOX_LEASE_MS: '5000',
    });
    try {
      const outbox = api.dataSource.getRepository(OutboxMessage);
      const expired = row('{"n":"expired"}', {
        owner: 'replica-that-died',
        until: new Date(Date.now() - 1_000),
      });
      const live = row('{"n":"live"}', {
        owner: 'replica-still-publishing',
        until: new Date(Date.now() + 120_000),
      });
      await outbox.insert([expired, live]);

      const published = await eventually(
        async () => {
          const found = bodies(await receiveAll(sqs, api.queues.sales.url));
          return found.length > 0 ? found : undefined;
        },
        { timeoutMs: 20_000, what: 'the row with the expired lease to be published' },
      );
      // A few more sweeps: the live lease must still hold.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      published.push(...bodies(await receiveAll(sqs, api.queues.sales.url)));

      expect(published).toEqual(['{"n":"expired"}']);
      const left = await outbox.find();
      expect(left.map((r) => [r.id, r.leaseOwner])).toEqual([
        [live.id, 'replica-still-publishing'],
      ]);
    } finally {
      await api.close();
    }
  });

  it('should park a row SQS keeps refusing while the rows behind it publish, and list and retry it from the command line', async () => {
    const api = await startCustomerApi(kind, sqs, process.env.TEST_SQS_ENDPOINT as string, {
      OUTBOX_MAX_ATTEMPTS: '2',
    });
    try {
      const outbox = api.dataSource.getRepository(OutboxMessage);
      // SQS refuses a body holding U+0000 (InvalidMessageContents), whatever is retried.
      const poison = { ...row('{"n":"poison\u0000"}'), id: uuidv7() };
      await outbox.insert(poison);
      const accepted = await Promise.all(
        [1, 2, 3].map((i) =>
          api
            .http()
            .post('/payments')
            .send({ ...VALID_PAYMENT, customerId: `behind-${i}` })
            .expect(202),
        ),
      );
      const ids = accepted.map((res) => (res.body as { requestId: string }).requestId).sort();

      const published: string[] = [];
      await eventually(
        async () => {
          published.push(...bodies(await receiveAll(sqs, api.queues.sales.url)));
          return published.length >= 3 ? true : undefined;
        },
        { timeoutMs: 20_000, what: 'the payments behind the refused row to be published' },
      );
      expect(
        published.map((b) => (JSON.parse(b) as { paymentId: string }).paymentId).sort(),
      ).toEqual(ids);

      const parked = await eventually(
        async () => {
          const found = await outbox.findOneBy({ id: poison.id });
          return found?.parkedAt ? found : undefined;
        },
        { timeoutMs: 20_000, what: 'the refused row to be parked' },
      );
      expect(parked.attempts).toBe(2);
      expect(parked.lastError).toMatch(/InvalidMessageContents/);
      const metrics = (await api.http().get('/metrics').expect(200)).text;
      expect(metrics).toMatch(/^outbox_parked 1$/m);

      const listed = await outboxCommand(api, ['parked', '--json']);
      expect(listed.code).toBe(0);
      const rows = JSON.parse(listed.out.trim().split('\n').pop() ?? '[]') as { id: string }[];
      expect(rows.map((r) => r.id)).toEqual([poison.id]);

      // The operator fixes the cause, then puts the row back in line.
      await outbox.update({ id: poison.id }, { body: '{"n":"fixed"}' });
      const retried = await outboxCommand(api, ['retry', '--id', poison.id]);
      expect(retried.code).toBe(0);
      expect(retried.out).toContain('1 parked messages retried');
      await eventually(
        async () => {
          const found = bodies(await receiveAll(sqs, api.queues.sales.url));
          return found.includes('{"n":"fixed"}') ? true : undefined;
        },
        { timeoutMs: 20_000, what: 'the retried row to be published' },
      );
      await eventually(async () => ((await outbox.count()) === 0 ? true : undefined), {
        what: 'an empty outbox',
      });
    } finally {
      await api.close();
    }
  });
});

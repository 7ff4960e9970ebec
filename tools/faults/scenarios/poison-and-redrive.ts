import { randomUUID } from 'node:crypto';
import { ChangeMessageVisibilityBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { queueDepth, receiveAll } from '../../testing/queues';
import type { Cluster } from '../cluster';
import { mapLimit, sleep } from '../http';
import { settle, verify } from '../invariants';
import { AcceptedPayment, Load, PaymentFactory } from '../load';
import { Scenario, seconds, withCluster } from '../scenario';

/**
 * A small budget (2 attempts, 1-2 s apart) for failures of the message itself, under a redrive
 * backstop of 3: payments the sales DB refuses are given up on quickly.
 */
const MAX_ATTEMPTS = 2;
const MAX_RECEIVE_COUNT = 3;

/**
 * A failure of the messages themselves, as a bug or a bad row would cause: the sales DB refuses
 * every insert into `sales` (a trigger), while it stays up. An outage would only pause the
 * worker (scenarios 4 and 10).
 */
const REFUSE_SALES =
  "CREATE TRIGGER refuse_sales BEFORE INSERT ON sales FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the fault suite'";

type Body = Record<string, unknown>;

/** One line of `queue-admin dlq list --json`. */
interface DeadLetterLine {
  messageId: string;
  paymentId?: string;
  deadLetteredBy: 'consumer' | 'redrive-policy';
}

/** Broken versions of a valid message that still name their payment: the API must hear. */
const NAMED_POISON: [string, (valid: Body) => Body | string][] = [
  ['negative amount', (v) => ({ ...v, amount: -5 })],
  ['fractional amount', (v) => ({ ...v, amount: 12.5 })],
  ['amount as a string', (v) => ({ ...v, amount: '100' })],
  ['unknown currency', (v) => ({ ...v, currency: 'ABC' })],
  ['month 13', (v) => ({ ...v, period: '2026-13' })],
  ['version 2', (v) => ({ ...v, version: 2 })],
  ['a status message on the sales queue', (v) => ({ ...v, type: 'sales.recorded' })],
  ['unknown type', (v) => ({ ...v, type: 'payment.refunded' })],
  ['no customerId', ({ customerId: _omit, ...v }) => v],
  ['SQL in an id', (v) => ({ ...v, customerId: "x'; DROP TABLE sales; --" })],
  ['paidAt in words', (v) => ({ ...v, paidAt: 'yesterday' })],
  // Prototype pollution must not smuggle a missing field past validation.
  [
    '__proto__ carrying the amount',
    ({ amount, ...v }) =>
      JSON.stringify(v).replace(/^\{/, `{"__proto__":{"amount":${String(amount)}},`),
  ],
];

/** Bodies nobody can read a paymentId from: they can only go to the DLQ. */
const ANONYMOUS_POISON: string[] = [
  'not json at all',
  '{"type":"payment.recorded","version":1,',
  'null',
  '[]',
  '42',
  '""',
  JSON.stringify({ type: 'payment.recorded', version: 1, paymentId: 'not-a-uuid', amount: 1 }),
  `${'['.repeat(2_000)}${']'.repeat(2_000)}`,
];

/**
 * Payments that exist only in the customer DB (as if their message had been mangled in
 * transit): the poison messages name them, so each must end FAILED and never be counted.
 */
async function insertOrphans(cluster: Cluster, tag: string, n: number): Promise<AcceptedPayment[]> {
  const orphans: AcceptedPayment[] = [];
  for (let i = 0; i < n; i += 1) {
    const id = randomUUID();
    const customerId = `${tag}-orphan-${i}`;
    const body = {
      customerId,
      policyId: 'pol-x',
      amount: 1000 + i,
      currency: 'EUR',
      period: '2026-02',
    };
    await cluster.customerDb.rows(
      `INSERT INTO payments (id, client_id, customer_id, policy_id, amount, currency, period,
         paid_at, status, correlation_id, created_at, updated_at)
       VALUES (?, 'anonymous', ?, ?, ?, ?, ?, UTC_TIMESTAMP(3), 'PENDING', ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
      [id, customerId, body.policyId, body.amount, body.currency, body.period, `orphan-${i}`],
    );
    orphans.push({ key: customerId, body, requestId: id, ...body });
  }
  return orphans;
}

function validBody(orphan: AcceptedPayment): Body {
  return {
    type: 'payment.recorded',
    version: 1,
    paymentId: orphan.requestId,
    customerId: orphan.body.customerId,
    policyId: orphan.body.policyId,
    amount: orphan.amount,
    currency: orphan.currency,
    period: orphan.period,
    paidAt: '2026-02-10T10:00:00.000Z',
    recordedAt: '2026-02-10T10:00:01.000Z',
  };
}

function parseListing(stdout: string): DeadLetterLine[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as DeadLetterLine);
}

/** What the DLQ holds, received and released at once (the same look `dlq list` takes). */
async function peekDeadLetters(cluster: Cluster): Promise<DeadLetterLine[]> {
  const messages = await receiveAll(cluster.sqs, cluster.sales.dlqUrl, { visibilitySeconds: 30 });
  for (let i = 0; i < messages.length; i += 10) {
    await cluster.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: cluster.sales.dlqUrl,
        Entries: messages.slice(i, i + 10).map((m, j) => ({
          Id: String(j),
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
  return messages.map((m) => {
    let paymentId: string | undefined;
    try {
      const body = JSON.parse(m.Body ?? '') as unknown;
      const id = (body as { paymentId?: unknown } | null)?.paymentId;
      paymentId = typeof id === 'string' ? id : undefined;
    } catch {
      // poison
    }
    return {
      messageId: m.MessageId ?? '',
      paymentId,
      deadLetteredBy: m.MessageAttributes?.failureCode ? 'consumer' : 'redrive-policy',
    };
  });
}

async function inject(cluster: Cluster, body: string): Promise<void> {
  await cluster.sqs.send(
    new SendMessageCommand({
      QueueUrl: cluster.sales.url,
      MessageBody: body,
      MessageAttributes: { type: { DataType: 'String', StringValue: 'payment.recorded' } },
    }),
  );
}

async function statuses(
  cluster: Cluster,
  ids: string[],
): Promise<{ status: string; code?: string }[]> {
  return mapLimit(ids, 16, async (id) => {
    const { body } = await cluster.apiHttp.getJson<{ status: string; failure?: { code: string } }>(
      `/payments/${id}`,
    );
    return { status: body.status, code: body.failure?.code };
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) {
      return true;
    }
    await sleep(250);
  }
  return false;
}

async function dlqDepth(cluster: Cluster): Promise<number> {
  const depth = await queueDepth(cluster.sqs, cluster.sales.dlqUrl);
  return depth.visible + depth.inFlight;
}

export const poisonAndRedrive: Scenario = {
  id: 7,
  name: 'poison messages; failures past the retry budget; DLQ redrive',
  run: ({ harness, log }) =>
    withCluster(
      harness,
      {
        label: 's7',
        queue: { maxReceiveCount: MAX_RECEIVE_COUNT },
        workerEnv: {
          RETRY_BASE_DELAY_SECONDS: '1',
          RETRY_MAX_DELAY_SECONDS: '2',
          MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        },
        apiEnv: { MAX_ATTEMPTS: String(MAX_ATTEMPTS) },
      },
      async (cluster) => {
        const failures: string[] = [];
        const factory = new PaymentFactory(`s7-${harness.runId}`);
        const orphans = await insertOrphans(cluster, `s7-${harness.runId}`, NAMED_POISON.length);
        const poison = [
          ...NAMED_POISON.map(([, corrupt], i) => {
            const bad = corrupt(validBody(orphans[i]));
            return typeof bad === 'string' ? bad : JSON.stringify(bad);
          }),
          ...ANONYMOUS_POISON,
        ];

        // Phase 1: poison mixed into a stream of valid payments.
        const stream = new Load(cluster.apiHttp, factory, {
          total: 300,
          concurrency: 32,
          ratePerSecond: 60,
        });
        for (const body of poison) {
          await inject(cluster, body);
          await sleep(200);
        }
        const first = await stream.result;
        const firstIds = [...first.accepted, ...orphans].map((p) => p.requestId);
        await settle(cluster, firstIds, 30_000);
        await until(async () => (await dlqDepth(cluster)) >= poison.length, 10_000);
        const dlqAfterPoison = await dlqDepth(cluster);
        const orphanStates = await statuses(
          cluster,
          orphans.map((o) => o.requestId),
        );
        const notFailed = orphanStates.filter((s) => s.status !== 'FAILED').length;
        if (dlqAfterPoison !== poison.length) {
          failures.push(`after the poison, sales-dlq held ${dlqAfterPoison}, not ${poison.length}`);
        }
        if (notFailed > 0) {
          failures.push(`${notFailed} payments named by poison messages did not read FAILED`);
        }
        log(
          `${poison.length} poison messages dead-lettered; the ${orphans.length} they name read FAILED`,
        );

        // Phase 2: the sales DB refuses the payments for longer than their retry budget.
        await cluster.salesDb.rows(REFUSE_SALES);
        const cutAt = Date.now();
        const during = await new Load(cluster.apiHttp, factory, {
          total: 70,
          concurrency: 16,
          ratePerSecond: 35,
        }).result;
        const duringIds = during.accepted.map((p) => p.requestId);
        const allFailed = await until(async () => {
          const rows = await cluster.customerDb.rows<{ n: number | string }>(
            "SELECT COUNT(*) AS n FROM payments WHERE status = 'FAILED' AND id IN (?)",
            [duringIds],
          );
          const inDlq = await dlqDepth(cluster);
          return (
            Number(rows[0].n) === duringIds.length && inDlq === poison.length + duringIds.length
          );
        }, 30_000);
        const duringStates = await statuses(cluster, duringIds);
        await cluster.salesDb.rows('DROP TRIGGER refuse_sales');
        log(`sales DB takes payments again after ${seconds(Date.now() - cutAt)}`);
        const exhausted = duringStates.filter(
          (s) => s.status === 'FAILED' && s.code === 'RETRIES_EXHAUSTED',
        ).length;
        if (!allFailed || exhausted !== duringIds.length) {
          failures.push(
            `of ${duringIds.length} payments the sales DB refused, ${exhausted} read FAILED (RETRIES_EXHAUSTED) with their message in the DLQ`,
          );
        }

        // The operator: list the DLQ, then move the payments' messages back to their queue. By
        // id: a redrive of everything would also move the poison, which the running worker
        // dead-letters again at once, so the move never runs dry (see docs/reliability.md).
        const inDlq = poison.length + duringIds.length;
        const listed = await cluster.queueAdmin(['dlq', 'list', '--queue', 'sales', '--json']);
        let letters = parseListing(listed.stdout);
        if (listed.code !== 0 || letters.length !== inDlq) {
          failures.push(
            `queue-admin dlq list showed ${letters.length} of ${inDlq} messages, exit ${listed.code}: ` +
              listed.stdout.trim().split('\n')[0],
          );
          // Read the DLQ directly instead, to check the redrive all the same.
          letters = await peekDeadLetters(cluster);
        }
        const toRedrive = letters.filter(
          // Copied by the worker itself, at its own budget (the redrive policy is a backstop).
          (l) =>
            l.deadLetteredBy === 'consumer' &&
            l.paymentId !== undefined &&
            duringIds.includes(l.paymentId),
        );
        if (toRedrive.length > 0) {
          const redrive = await cluster.queueAdmin([
            'dlq',
            'redrive',
            '--queue',
            'sales',
            '--rate',
            '100',
            ...toRedrive.flatMap((l) => ['--id', l.messageId]),
          ]);
          log(`queue-admin dlq redrive: ${redrive.stdout.trim()}`);
          if (redrive.code !== 0) {
            const how = redrive.timedOut ? 'did not finish in 60 s' : `exited ${redrive.code}`;
            failures.push(`dlq redrive ${how}: ${redrive.stdout.trim()}`);
          }
        }

        const verdict = await verify(cluster, {
          loads: [first, during],
          others: orphans,
          failed: new Set(orphans.map((o) => o.requestId)),
          // Only the payments were moved back: the poison stays for a human to look at.
          salesDlq: poison.length,
        });
        verdict.failures.unshift(...failures);
        verdict.notes.push(
          `${poison.length} poison messages (${orphans.length} naming a payment) → DLQ; ` +
            `${exhausted} payments FAILED by failures of their own past the retry budget, ` +
            `${toRedrive.length} of them moved back by dlq redrive --id, then COMPLETED`,
        );
        return verdict;
      },
    ),
};

import { encodeMessage, PaymentRecordedV1 } from '@app/contracts';
import { publishBatch, PublishEntry } from '@app/messaging/message-publisher';
import type { Cluster } from '../cluster';
import { mapLimit } from '../http';
import { settle, verify } from '../invariants';
import { AcceptedPayment, Load, PaymentFactory } from '../load';
import { Scenario, withCluster } from '../scenario';
import type { components } from '../../../docs/openapi/customer-api';

/** GET /payments/{requestId}'s answer, as the published OpenAPI document describes it. */
type PaymentView = components['schemas']['Payment'];

/** Copies of each processed message injected into `sales`. */
const COPIES = 2;
/** Processed payments also re-sent with another amount: a producer bug the worker must absorb. */
const CONFLICTING = 30;

/**
 * The `payment.recorded` message customer-api published for a payment, rebuilt from what the
 * API shows of it (its recordedAt is the payment's createdAt), as a broker redelivery or a
 * replayed outbox would carry it again.
 */
async function recordedMessage(cluster: Cluster, payment: AcceptedPayment) {
  const { body: view } = await cluster.apiHttp.getJson<PaymentView>(
    `/payments/${payment.requestId}`,
  );
  return Object.assign(new PaymentRecordedV1(), {
    paymentId: view.requestId,
    customerId: view.customerId,
    policyId: view.policyId,
    amount: view.amount,
    currency: view.currency,
    period: view.period,
    paidAt: view.paidAt,
    recordedAt: view.createdAt,
  });
}

async function duplicatesCounted(cluster: Cluster): Promise<number> {
  const metrics = await cluster.worker.metrics().catch(() => '');
  const match = /^sales_messages_total\{outcome="duplicate"\} (\d+)/m.exec(metrics);
  return match ? Number(match[1]) : 0;
}

export const duplicates: Scenario = {
  id: 6,
  name: 'duplicates of processed messages injected',
  run: ({ harness, log }) =>
    withCluster(harness, { label: 's6' }, async (cluster) => {
      const factory = new PaymentFactory(`s6-${harness.runId}`);
      const first = await new Load(cluster.apiHttp, factory, { total: 300, concurrency: 32 })
        .result;
      await settle(
        cluster,
        first.accepted.map((p) => p.requestId),
        60_000,
      );
      const messages = await mapLimit(first.accepted, 16, (p) => recordedMessage(cluster, p));
      const entries: PublishEntry[] = [];
      for (let copy = 0; copy < COPIES; copy += 1) {
        messages.forEach((message, i) =>
          entries.push({ id: `${copy}-${i}`, message: encodeMessage(message, `dup-${copy}`) }),
        );
      }
      messages.slice(0, CONFLICTING).forEach((message, i) =>
        entries.push({
          id: `conflict-${i}`,
          message: encodeMessage({ ...message, amount: message.amount + 1 }, 'dup-conflict'),
        }),
      );
      // Shuffled, and injected while fresh payments flow, so copies and originals interleave.
      entries.sort(() => Math.random() - 0.5);
      const second = new Load(cluster.apiHttp, factory, {
        total: 200,
        concurrency: 16,
        ratePerSecond: 50,
      });
      let failedToInject = 0;
      for (let i = 0; i < entries.length; i += 50) {
        const { failedIds } = await publishBatch(
          cluster.sqs,
          cluster.sales.url,
          entries.slice(i, i + 50),
        );
        failedToInject += failedIds.size;
      }
      log(`${entries.length - failedToInject} copies injected into ${cluster.sales.name}`);
      const more = await second.result;
      const verdict = await verify(cluster, { loads: [first, more] });
      const counted = await duplicatesCounted(cluster);
      if (failedToInject > 0) {
        verdict.failures.push(`${failedToInject} copies could not be injected`);
      }
      if (counted < entries.length) {
        verdict.failures.push(
          `the worker reports ${counted} duplicates, ${entries.length} were injected`,
        );
      }
      verdict.notes.push(
        `${entries.length} copies injected (${CONFLICTING} with another amount); ` +
          `the worker counted ${counted} as duplicates, the totals did not move`,
      );
      return verdict;
    }),
};

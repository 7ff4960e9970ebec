import type { Cluster } from './cluster';
import { chunks, mapLimit } from './http';
import { AcceptedPayment, acceptedFrom, LoadResult, postPayment, SentPayment } from './load';

/** Payments in the customer DB created by these requests (their customerIds are unique). */
export async function committedFor(
  cluster: Cluster,
  payments: readonly SentPayment[],
): Promise<Map<string, string[]>> {
  const byCustomer = new Map<string, string[]>();
  for (const part of chunks(
    payments.map((p) => p.body.customerId),
    500,
  )) {
    const rows = await cluster.customerDb.rows<{ id: string; customer_id: string }>(
      'SELECT id, customer_id FROM payments WHERE customer_id IN (?)',
      [part],
    );
    for (const row of rows) {
      byCustomer.set(row.customer_id, [...(byCustomer.get(row.customer_id) ?? []), row.id]);
    }
  }
  return byCustomer;
}

/** What the clients end up with once the fault is over, for `verify`. */
export interface Recovered {
  accepted: AcceptedPayment[];
  /** Answered 409 on the resend (their key's claim died with a process): must not exist yet. */
  stranded: SentPayment[];
  /** Answered with a 4xx: must not exist. */
  refused: SentPayment[];
  failures: string[];
  notes: string[];
}

/**
 * What a careful client does after a fault: every request whose outcome it does not know (no
 * answer, or a 5xx) is sent again with the same Idempotency-Key. Each must then exist once or not
 * at all: a committed one is replayed (same requestId, `Idempotent-Replayed`), an uncommitted
 * one is accepted afresh, or refused with 409 while the claim a killed process left on its key
 * has not expired.
 */
export async function recover(cluster: Cluster, loads: readonly LoadResult[]): Promise<Recovered> {
  const unsure = loads.flatMap((l) => [
    ...l.unanswered.map((u) => u.payment),
    ...l.rejected.filter((r) => r.answer.status >= 500).map((r) => r.payment),
  ]);
  const recovered: Recovered = {
    accepted: loads.flatMap((l) => l.accepted),
    stranded: [],
    refused: loads.flatMap((l) =>
      l.rejected.filter((r) => r.answer.status < 500).map((r) => r.payment),
    ),
    failures: [],
    notes: [],
  };
  if (unsure.length === 0) {
    return recovered;
  }
  const unanswered = loads.flatMap((l) => l.unanswered);
  const codes: Record<string, number> = {};
  unanswered.forEach(({ code }) => (codes[code] = (codes[code] ?? 0) + 1));
  const before = await committedFor(cluster, unsure);
  let replayed = 0;
  await mapLimit(unsure, 16, async (payment) => {
    const existing = before.get(payment.body.customerId) ?? [];
    if (existing.length > 1) {
      recovered.failures.push(`${payment.key} created ${existing.length} payments`);
    }
    const answer = await postPayment(cluster.apiHttp, payment);
    if (answer.status === 202) {
      const again = acceptedFrom(payment, answer.body);
      const isReplay = answer.headers['idempotent-replayed'] === 'true';
      if (existing.length > 0 && (!isReplay || again.requestId !== existing[0])) {
        recovered.failures.push(`resending ${payment.key} did not replay its committed payment`);
      } else if (existing.length === 0 && isReplay) {
        recovered.failures.push(`resending ${payment.key} replayed a payment that does not exist`);
      }
      replayed += isReplay ? 1 : 0;
      recovered.accepted.push(again);
    } else if (answer.status === 409 && existing.length === 0) {
      recovered.stranded.push(payment);
    } else {
      recovered.failures.push(`resending ${payment.key} answered ${answer.status}`);
    }
  });
  recovered.notes.push(
    `${unsure.length} requests without a known outcome (no answer or 5xx) resent with their ` +
      `Idempotency-Key: ${replayed} had been committed and were replayed, ` +
      `${recovered.accepted.length - loads.flatMap((l) => l.accepted).length - replayed} accepted afresh, ` +
      `${recovered.stranded.length} refused with 409 (their key still held by the interrupted ` +
      `first request)` +
      (unanswered.length > 0 ? `; no answer: ${JSON.stringify(codes)}` : ''),
  );
  return recovered;
}

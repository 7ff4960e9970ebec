import type { Cluster } from '../cluster';
import { sleep } from '../http';
import { verify } from '../invariants';
import { Load, PaymentFactory } from '../load';
import { logLines, Scenario, withCluster } from '../scenario';

const OUTAGE_MS = 10_000;
/** Enough deliveries to ride out the outage: 1+2+4+8+8+… s of backoff, far beyond 10 s. */
const MAX_RECEIVE_COUNT = 10;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** One redelivery of a payment after a failed attempt. */
interface Redelivery {
  /** ApproximateReceiveCount of the failed delivery. */
  attempt: number;
  /** Backoff the worker set after it (ChangeMessageVisibility), in ms. */
  delayMs: number;
  /** Receive-to-receive time, in ms. */
  gapMs: number;
}

/**
 * Every redelivery of a payment after a failed attempt, read from the worker's log: each failed
 * delivery logs "payment.recorded failed; retrying" right after its receive (the cut DB refuses
 * at once) with its ApproximateReceiveCount and the backoff it set; the delivery that finally
 * succeeds logs "sale recorded"; both carry the payment's correlationId.
 */
export function redeliveries(cluster: Cluster): Redelivery[] {
  const failed = new Map<string, { attempt: number; time: number; delayMs: number }[]>();
  const recorded = new Map<string, number>();
  for (const line of logLines(cluster.worker.logPath)) {
    const id = String(line.correlationId);
    if (line.msg === 'payment.recorded failed; retrying') {
      const delivery = {
        attempt: Number(line.attempt),
        time: Number(line.time),
        delayMs: Number(line.delaySeconds) * 1000,
      };
      failed.set(id, [...(failed.get(id) ?? []), delivery]);
    } else if (line.msg === 'sale recorded' && !recorded.has(id)) {
      recorded.set(id, Number(line.time));
    }
  }
  const found: Redelivery[] = [];
  for (const [id, deliveries] of failed) {
    deliveries.sort((a, b) => a.attempt - b.attempt);
    const last = deliveries[deliveries.length - 1];
    const success = recorded.get(id);
    const next = [
      ...deliveries.slice(1),
      ...(success ? [{ attempt: last.attempt + 1, time: success }] : []),
    ];
    deliveries.forEach((d, i) => {
      if (next[i]?.attempt === d.attempt + 1) {
        found.push({ attempt: d.attempt, delayMs: d.delayMs, gapMs: next[i].time - d.time });
      }
    });
  }
  return found;
}

/**
 * The backoff is real when no payment came back before the delay set after its failure (the
 * receive timestamps honour it) and those delays grow with the attempt. The gaps themselves
 * also carry the worker's own latency, which on a loaded machine hides the first doublings.
 */
function checkBackoff(found: Redelivery[]): { note: string; failure?: string } {
  const steps = [...new Set(found.map((r) => r.attempt))]
    .sort((a, b) => a - b)
    .map((attempt) => found.filter((r) => r.attempt === attempt))
    .filter((group) => group.length >= 5)
    .map((group) => ({
      attempt: group[0].attempt,
      delay: median(group.map((r) => r.delayMs)),
      gap: median(group.map((r) => r.gapMs)),
      n: group.length,
    }));
  const early = found.filter((r) => r.gapMs < r.delayMs - 200).length;
  const note =
    'after failed attempt n, backoff set / receive-to-receive time (medians): ' +
    steps
      .map((s) => `${s.attempt}: ${s.delay / 1000} s / ${(s.gap / 1000).toFixed(1)} s (n=${s.n})`)
      .join(', ') +
    `; ${early} of ${found.length} redeliveries came back before their backoff`;
  const growing =
    steps.length >= 3 &&
    steps.every((s, i) => i === 0 || s.delay >= steps[i - 1].delay) &&
    steps[steps.length - 1].delay >= 2 * steps[0].delay;
  return growing && early === 0
    ? { note }
    : { note, failure: 'the retries of a message did not back off with growing delays' };
}

export const salesDbOutage: Scenario = {
  id: 4,
  name: 'sales DB cut ~10 s at a proxy',
  run: ({ harness, log }) =>
    withCluster(
      harness,
      { label: 's4', proxySalesDb: true, queue: { maxReceiveCount: MAX_RECEIVE_COUNT } },
      async (cluster) => {
        const load = new Load(cluster.apiHttp, new PaymentFactory(`s4-${harness.runId}`), {
          total: 500,
          concurrency: 32,
          ratePerSecond: 40,
        });
        await sleep(2_000);
        const salesProxy = cluster.salesProxy as NonNullable<typeof cluster.salesProxy>;
        salesProxy.cut();
        log('sales DB cut');
        await sleep(OUTAGE_MS);
        salesProxy.restore();
        log(`sales DB back; ${load.acceptedCount} payments accepted so far`);
        const result = await load.result;
        const verdict = await verify(cluster, { loads: [result] });
        const backoff = checkBackoff(redeliveries(cluster));
        verdict.notes.push(backoff.note);
        if (backoff.failure) {
          verdict.failures.push(backoff.failure);
        }
        return verdict;
      },
    ),
};

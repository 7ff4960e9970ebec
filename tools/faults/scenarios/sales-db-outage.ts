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

/**
 * The time between two consecutive deliveries of the same payment, grouped by the attempt that
 * failed first, read from the worker's log: each failed delivery logs "payment.recorded failed;
 * retrying" with its ApproximateReceiveCount right after the receive (the cut DB refuses at
 * once), and the delivery that finally succeeds logs "sale recorded"; both carry the payment's
 * correlationId. The gaps are the receive-to-receive delays the backoff produced.
 */
export function retryGaps(cluster: Cluster): Map<number, number[]> {
  const lines = logLines(cluster.worker.logPath);
  const failed = new Map<string, { attempt: number; time: number }[]>();
  const recorded = new Map<string, number>();
  for (const line of lines) {
    const id = String(line.correlationId);
    if (line.msg === 'payment.recorded failed; retrying') {
      failed.set(id, [
        ...(failed.get(id) ?? []),
        { attempt: Number(line.attempt), time: Number(line.time) },
      ]);
    } else if (line.msg === 'sale recorded' && !recorded.has(id)) {
      recorded.set(id, Number(line.time));
    }
  }
  const gaps = new Map<number, number[]>();
  for (const [id, deliveries] of failed) {
    deliveries.sort((a, b) => a.attempt - b.attempt);
    const last = deliveries[deliveries.length - 1];
    const success = recorded.get(id);
    const timeline =
      success === undefined
        ? deliveries
        : [...deliveries, { attempt: last.attempt + 1, time: success }];
    for (let i = 1; i < timeline.length; i += 1) {
      const { attempt, time } = timeline[i - 1];
      if (timeline[i].attempt === attempt + 1) {
        gaps.set(attempt, [...(gaps.get(attempt) ?? []), timeline[i].time - time]);
      }
    }
  }
  return gaps;
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
        const gaps = retryGaps(cluster);
        const steps = [...gaps]
          .filter(([, samples]) => samples.length >= 5)
          .sort(([a], [b]) => a - b)
          .map(([attempt, samples]) => ({ attempt, median: median(samples), n: samples.length }));
        verdict.notes.push(
          'median time between deliveries of a payment, by failed attempt: ' +
            steps
              .map(
                (s) => `${s.attempt}→${s.attempt + 1} ${(s.median / 1000).toFixed(1)} s (n=${s.n})`,
              )
              .join(', '),
        );
        // Growing, with the jitter allowed for: never clearly shorter than the step before, and
        // the last measured step at least twice the first.
        const growing =
          steps.length >= 3 &&
          steps.every((s, i) => i === 0 || s.median >= steps[i - 1].median - 250) &&
          steps[steps.length - 1].median >= 2 * steps[0].median;
        if (!growing) {
          verdict.failures.push('the retries of a message did not back off with growing delays');
        }
        return verdict;
      },
    ),
};

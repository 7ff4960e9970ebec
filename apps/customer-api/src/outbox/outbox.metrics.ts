import { makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { OutboxLeases } from './outbox-leases';

/**
 * The backlog is counted at most this often, and only up to BACKLOG_COUNT_CAP rows: a scrape
 * every few seconds by several scrapers never scans a large outbox (after an SQS outage) more
 * than once in this interval, nor more than the cap.
 */
const BACKLOG_SAMPLE_MS = 15_000;
const BACKLOG_COUNT_CAP = 100_000;

/** Keeps the last reading when the database is down: readiness says so. */
async function sample(gauge: Gauge, read: () => Promise<number | undefined>): Promise<void> {
  try {
    const value = await read();
    if (value !== undefined) {
      gauge.set(value);
    }
  } catch {
    // keep the last reading
  }
}

/** When each gauge (one per app) last counted. */
const backlogSampledAt = new WeakMap<Gauge, number>();

export const OUTBOX_METRICS = [
  makeGaugeProvider({
    name: 'outbox_backlog',
    help: `Committed messages not yet published to SQS (sampled every ${BACKLOG_SAMPLE_MS / 1000} s, counted up to ${BACKLOG_COUNT_CAP})`,
    inject: [OutboxLeases],
    async collect(this: Gauge, leases: OutboxLeases) {
      if (Date.now() - (backlogSampledAt.get(this) ?? 0) < BACKLOG_SAMPLE_MS) {
        return;
      }
      backlogSampledAt.set(this, Date.now());
      await sample(this, () => leases.backlog(BACKLOG_COUNT_CAP));
    },
  }),
  makeGaugeProvider({
    name: 'outbox_oldest_age_seconds',
    help: 'Age of the oldest unparked outbox message (0 when the outbox is empty)',
    inject: [OutboxLeases],
    async collect(this: Gauge, leases: OutboxLeases) {
      await sample(this, async () => {
        const oldest = await leases.oldestCreatedAt();
        return oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0;
      });
    },
  }),
  makeGaugeProvider({
    name: 'outbox_parked',
    help: 'Outbox messages SQS refused OUTBOX_MAX_ATTEMPTS times, waiting for an operator (npm run outbox)',
    inject: [OutboxLeases],
    async collect(this: Gauge, leases: OutboxLeases) {
      await sample(this, () => leases.parkedCount());
    },
  }),
  makeHistogramProvider({
    name: 'outbox_publish_latency_seconds',
    help: 'From commit to SQS accepting the message',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120],
  }),
];

import { getRepositoryToken } from '@nestjs/typeorm';
import { makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import type { Repository } from 'typeorm';
import { OutboxMessage } from './outbox-message.entity';

export const OUTBOX_METRICS = [
  makeGaugeProvider({
    name: 'outbox_backlog',
    help: 'Committed messages not yet published to SQS',
    inject: [getRepositoryToken(OutboxMessage)],
    async collect(this: Gauge, outbox: Repository<OutboxMessage>) {
      try {
        this.set(await outbox.count());
      } catch {
        // database down: readiness says so; keep the last reading
      }
    },
  }),
  makeHistogramProvider({
    name: 'outbox_publish_latency_seconds',
    help: 'From commit to SQS accepting the message',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120],
  }),
];

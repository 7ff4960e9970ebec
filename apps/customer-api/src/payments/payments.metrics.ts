import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { getRepositoryToken } from '@nestjs/typeorm';
import {
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Repository } from 'typeorm';
import { Payment } from './payment.entity';

export const PAYMENT_METRICS = [
  makeCounterProvider({
    name: 'payments_requests_total',
    help: 'POST /payments answers by outcome (accepted, replayed, invalid, conflict, unavailable, …)',
    labelNames: ['outcome'],
  }),
  makeCounterProvider({
    name: 'payment_status_updates_total',
    help: 'Status messages applied, by the status they set, or ignored',
    labelNames: ['result'],
  }),
  makeHistogramProvider({
    name: 'payment_completion_seconds',
    help: 'From accept (202) to COMPLETED, as recorded by customer-api',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  }),
  makeGaugeProvider({
    name: 'payments_oldest_pending_age_seconds',
    help: 'Age of the oldest PENDING payment (0 when none); one index lookup per scrape',
    inject: [getRepositoryToken(Payment)],
    async collect(this: Gauge, payments: Repository<Payment>) {
      try {
        const [oldest] = await payments.find({
          select: { id: true, createdAt: true },
          where: { status: 'PENDING' },
          order: { createdAt: 'ASC' },
          take: 1,
        });
        this.set(oldest ? Math.max(0, (Date.now() - oldest.createdAt.getTime()) / 1000) : 0);
      } catch {
        // database down: readiness says so; keep the last reading
      }
    },
  }),
  makeCounterProvider({
    name: 'payments_reasked_total',
    help: 'payment.recorded messages published again for payments PENDING too long',
  }),
];

const OUTCOMES: Record<number, string> = {
  400: 'invalid',
  401: 'unauthorized',
  409: 'conflict',
  413: 'too_large',
  415: 'unsupported_media_type',
  422: 'key_reused',
  429: 'rate_limited',
  503: 'unavailable',
};

/** Counts every POST /payments answer, including those Fastify gives before Nest (413, 415). */
@Injectable()
export class PaymentsMetrics implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectMetric('payments_requests_total') private readonly requests: Counter<string>,
    @InjectMetric('payment_status_updates_total') private readonly statusUpdates: Counter<string>,
    @InjectMetric('payment_completion_seconds') private readonly completion: Histogram<string>,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', async (request, reply) => {
      if (request.method !== 'POST' || request.routeOptions.url !== '/payments') {
        return;
      }
      const status = reply.statusCode;
      const outcome =
        status === 202
          ? reply.getHeader('idempotent-replayed')
            ? 'replayed'
            : 'accepted'
          : (OUTCOMES[status] ?? (status >= 500 ? 'error' : 'rejected'));
      this.requests.inc({ outcome });
    });
  }

  statusApplied(result: string, createdAt?: Date, completedAt?: Date): void {
    this.statusUpdates.inc({ result });
    if (createdAt && completedAt) {
      this.completion.observe((completedAt.getTime() - createdAt.getTime()) / 1000);
    }
  }
}

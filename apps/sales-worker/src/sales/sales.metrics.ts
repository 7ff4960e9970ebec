import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';

export const SALES_MESSAGES_TOTAL = 'sales_messages_total';
export const SALES_MESSAGE_SECONDS = 'sales_message_duration_seconds';

export type SalesMessageOutcome = 'recorded' | 'duplicate' | 'retried' | 'dead_lettered';

/** Next to the queue depths MetricsModule exports: what became of each delivery. */
export const SALES_METRICS = [
  makeCounterProvider({
    name: SALES_MESSAGES_TOTAL,
    help: 'payment.recorded deliveries by outcome (recorded, duplicate, retried, dead_lettered)',
    labelNames: ['outcome'],
  }),
  makeHistogramProvider({
    name: SALES_MESSAGE_SECONDS,
    help: 'Handling one payment.recorded: validation, the wait for a slot, the sales DB transaction',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  }),
];

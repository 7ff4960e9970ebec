import { makeCounterProvider } from '@willsoto/nestjs-prometheus';

export const SALES_MESSAGES_TOTAL = 'sales_messages_total';

export type SalesMessageOutcome = 'recorded' | 'duplicate' | 'retried' | 'dead_lettered';

/** Next to the queue depths MetricsModule exports: what became of each delivery. */
export const SALES_METRICS = [
  makeCounterProvider({
    name: SALES_MESSAGES_TOTAL,
    help: 'payment.recorded deliveries by outcome (recorded, duplicate, retried, dead_lettered)',
    labelNames: ['outcome'],
  }),
];

import { performance } from 'node:perf_hooks';
import { pool } from '../../tools/testing/databases';
import {
  INSERT_OUTBOX,
  INSERT_PAYMENT,
  inTransaction,
  newPayment,
  outboxRow,
  paymentRow,
} from './sql';
import { LatencySummary, summarize } from './stats';

export interface RawTransactionResult {
  connections: number;
  durationS: number;
  transactions: number;
  /** Committed transactions per second. */
  throughput: number;
  latencyMs: LatencySummary;
}

/**
 * What the database alone can do of one accept's writes: the payment row and its outbox row in
 * one transaction, `connections` at a time, through mysql2 with no framework in between.
 */
export async function rawAcceptTransactions(options: {
  database: string;
  connections: number;
  warmupS: number;
  durationS: number;
}): Promise<RawTransactionResult> {
  const db = pool(options.database, options.connections);
  let serial = 0;
  const run = async (seconds: number, latencies?: number[]): Promise<number> => {
    const deadline = performance.now() + seconds * 1000;
    let committed = 0;
    await Promise.all(
      Array.from({ length: options.connections }, async () => {
        while (performance.now() < deadline) {
          const started = performance.now();
          const payment = newPayment({
            customerId: `raw-${serial++}`,
            policyId: 'pol-1',
            amount: 12_500,
            currency: 'USD',
            period: '2039-01',
            correlationId: `raw-${serial}`,
          });
          const connection = await db.getConnection();
          await inTransaction(connection, async () => {
            await connection.query(INSERT_PAYMENT, paymentRow(payment));
            await connection.query(INSERT_OUTBOX, outboxRow(payment));
          });
          committed += 1;
          latencies?.push(performance.now() - started);
        }
      }),
    );
    return committed;
  };
  try {
    await run(options.warmupS);
    const latencies: number[] = [];
    const started = performance.now();
    const transactions = await run(options.durationS, latencies);
    const durationS = (performance.now() - started) / 1000;
    return {
      connections: options.connections,
      durationS,
      transactions,
      throughput: transactions / durationS,
      latencyMs: summarize(latencies),
    };
  } finally {
    await db.end();
  }
}

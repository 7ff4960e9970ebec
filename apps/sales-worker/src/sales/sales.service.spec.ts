import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PaymentRecordedV1 } from '@app/contracts';
import { dataSourceOptions } from '@app/platform/database';
import { initializeDataSource } from '@app/platform/database-migrations';
import { ENTITIES } from '../database/entities';
import { MIGRATIONS } from '../database/migrations';
import { MonthlyTotal } from './monthly-total.entity';
import { Sale } from './sale.entity';
import { SalesService } from './sales.service';

function payment(amount: number, currency = 'USD'): PaymentRecordedV1 {
  return Object.assign(new PaymentRecordedV1(), {
    paymentId: randomUUID(),
    customerId: 'cust-1',
    policyId: 'pol-1',
    amount,
    currency,
    period: '2026-11',
    paidAt: '2026-11-26T10:00:00.000Z',
    recordedAt: '2026-11-26T10:00:01.000Z',
  });
}

describe(SalesService.name, () => {
  let dataSource: DataSource;
  let service: SalesService;

  beforeEach(async () => {
    // As the app opens it: the schema from the migrations, behind the SQLite gate.
    dataSource = await initializeDataSource(
      dataSourceOptions({
        sqlitePath: ':memory:',
        poolSize: 1,
        connectTimeoutMs: 1_000,
        entities: ENTITIES,
        migrations: MIGRATIONS,
      }),
      true,
    );
    service = new SalesService(
      dataSource,
      dataSource.getRepository(Sale),
      dataSource.getRepository(MonthlyTotal),
    );
  });

  afterEach(async () => {
    await dataSource.destroy();
  });

  /** The sales recorded, in order; throws the first payment's error. */
  async function record(...payments: PaymentRecordedV1[]) {
    const results = await service.recordAll(payments.map((p) => ({ payment: p })));
    return results.map((r) => {
      if (r.status === 'rejected') {
        throw r.reason;
      }
      return r.value;
    });
  }

  it('should record a batch of payments in one transaction, each total once', async () => {
    const transactions = jest.spyOn(dataSource, 'transaction');
    const payments = [payment(100), payment(250), payment(7, 'EUR')];
    const recorded = await service.recordAll(
      payments.map((p) => ({ payment: p, correlationId: 'corr' })),
    );
    expect(recorded.map((r) => r.status === 'fulfilled' && r.value.duplicate)).toEqual([
      false,
      false,
      false,
    ]);
    await expect(
      dataSource.getRepository(Sale).findOneByOrFail({ paymentId: payments[1].paymentId }),
    ).resolves.toMatchObject({ correlationId: 'corr', amount: 250 });
    expect(transactions).toHaveBeenCalledTimes(1);
    await expect(service.monthlyTotals('2026-11')).resolves.toEqual([
      { currency: 'EUR', count: 1, amount: '7' },
      { currency: 'USD', count: 2, amount: '350' },
    ]);
  });

  it('should still count the others when a batch holds an already counted payment', async () => {
    const first = payment(100);
    await record(first);
    const recorded = await record(first, payment(20), payment(3));
    expect(recorded.map((r) => r.duplicate)).toEqual([true, false, false]);
    await expect(service.monthlyTotals('2026-11')).resolves.toEqual([
      { currency: 'USD', count: 3, amount: '123' },
    ]);
  });

  it('should count a payment delivered twice in one batch once', async () => {
    const twice = payment(40);
    const recorded = await record(twice, twice);
    expect(recorded.map((r) => r.duplicate).sort()).toEqual([false, true]);
    await expect(service.monthlyTotals('2026-11')).resolves.toEqual([
      { currency: 'USD', count: 1, amount: '40' },
    ]);
  });

  it('should fail only the payment whose write fails, not its batchmates', async () => {
    const ok = payment(5);
    // A NOT NULL violation stands in for a row the database refuses.
    const bad = Object.assign(payment(6), { policyId: null });
    const results = await service.recordAll([{ payment: ok }, { payment: bad }]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    await expect(service.monthlyTotals('2026-11')).resolves.toEqual([
      { currency: 'USD', count: 1, amount: '5' },
    ]);
  });
});

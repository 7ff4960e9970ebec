import { DataSource, Repository } from 'typeorm';
import { transaction } from '@app/platform/transaction';
import { databaseKinds, TestDatabase } from '../../../../tools/testing/databases';
import { loadEnvironment } from '../config/environment.module';
import { openCustomerDatabase } from '../../test/customer-database';
import { IdempotencyKey } from './idempotency-key.entity';
import { IdempotencyKeysService, KeyClaim } from './idempotency-keys.service';
import { IdempotencyKeyInFlightError, IdempotencyKeyReusedError } from './payment.errors';

const DEADLINE_MS = 5_000;
const TTL_SECONDS = 3_600;
/** The service's TAKEOVER_MARGIN_MS, and a little more. */
const PAST_TAKEOVER_MS = DEADLINE_MS + 1_001;

function claimedOf(claim: KeyClaim): IdempotencyKey {
  if (!('claimed' in claim)) {
    throw new Error(`expected a claim, got a replay of ${claim.replay}`);
  }
  return claim.claimed;
}

const at = (base: Date, ms: number): Date => new Date(base.getTime() + ms);

describe.each(databaseKinds())(`${IdempotencyKeysService.name} (%s)`, (kind) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let keys: Repository<IdempotencyKey>;
  let service: IdempotencyKeysService;
  const t0 = new Date();

  beforeEach(async () => {
    ({ db, dataSource } = await openCustomerDatabase(kind, 'idempotency-keys'));
    keys = dataSource.getRepository(IdempotencyKey);
    const env = loadEnvironment({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      REQUEST_DEADLINE_MS: String(DEADLINE_MS),
      IDEMPOTENCY_TTL_SECONDS: String(TTL_SECONDS),
    });
    service = new IdempotencyKeysService(dataSource, keys, env);
  });

  afterEach(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  const stored = (key: string) => keys.findOneBy({ clientId: 'client-a', key });
  const complete = (claimed: IdempotencyKey, paymentId: string) =>
    transaction(dataSource, (manager) => service.complete(manager, claimed, paymentId));

  it('should claim a new key IN_FLIGHT until the deadline, kept for the TTL', async () => {
    claimedOf(await service.claim('client-a', 'key-1', 'body-1', t0));
    await expect(stored('key-1')).resolves.toMatchObject({
      fingerprint: 'body-1',
      state: 'IN_FLIGHT',
      paymentId: null,
      lockedUntil: at(t0, DEADLINE_MS),
      expiresAt: at(t0, TTL_SECONDS * 1000),
    });
  });

  it('should refuse the same key while its first request runs, and another body at any time', async () => {
    await service.claim('client-a', 'key-1', 'body-1', t0);
    const second = service.claim('client-a', 'key-1', 'body-1', at(t0, 1_000));
    await expect(second).rejects.toBeInstanceOf(IdempotencyKeyInFlightError);
    // Taken over 1 s after the 5 s deadline: asked 1 s in, wait 5 s.
    await expect(second).rejects.toMatchObject({ retryAfterSeconds: 5 });
    await expect(
      service.claim('client-a', 'key-1', 'body-2', at(t0, 1_000)),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    // Keys are per client and byte for byte.
    claimedOf(await service.claim('client-b', 'key-1', 'body-2', t0));
    claimedOf(await service.claim('client-a', 'KEY-1', 'body-2', t0));
    await expect(stored('key-1')).resolves.toMatchObject({ fingerprint: 'body-1' });
  });

  it('should replay a completed key with its payment, and refuse it with another body', async () => {
    const claimed = claimedOf(await service.claim('client-a', 'key-1', 'body-1', t0));
    await complete(claimed, 'payment-1');
    await expect(stored('key-1')).resolves.toMatchObject({
      state: 'COMPLETED',
      paymentId: 'payment-1',
    });
    await expect(service.claim('client-a', 'key-1', 'body-1', at(t0, 60_000))).resolves.toEqual({
      replay: 'payment-1',
    });
    await expect(
      service.claim('client-a', 'key-1', 'body-2', at(t0, 60_000)),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('should take over a key whose request died, only after its deadline and margin', async () => {
    const first = claimedOf(await service.claim('client-a', 'key-1', 'body-1', t0));
    await expect(
      service.claim('client-a', 'key-1', 'body-1', at(t0, DEADLINE_MS + 500)),
    ).rejects.toBeInstanceOf(IdempotencyKeyInFlightError);
    const second = claimedOf(
      await service.claim('client-a', 'key-1', 'body-1', at(t0, PAST_TAKEOVER_MS)),
    );
    expect(second.lockedUntil).toEqual(at(t0, PAST_TAKEOVER_MS + DEADLINE_MS));
    // The first request, alive after all, can no longer commit: the key is the second's.
    await expect(complete(first, 'payment-1')).rejects.toBeInstanceOf(IdempotencyKeyInFlightError);
    await complete(second, 'payment-2');
    await expect(stored('key-1')).resolves.toMatchObject({
      state: 'COMPLETED',
      paymentId: 'payment-2',
    });
  });

  it('should let exactly one of three simultaneous takeovers have the key', async () => {
    await service.claim('client-a', 'key-1', 'body-1', t0);
    const late = at(t0, PAST_TAKEOVER_MS);
    const results = await Promise.allSettled([
      service.claim('client-a', 'key-1', 'body-1', late),
      service.claim('client-a', 'key-1', 'body-1', late),
      service.claim('client-a', 'key-1', 'body-1', late),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const result of results.filter((r) => r.status === 'rejected')) {
      expect(result.reason).toBeInstanceOf(IdempotencyKeyInFlightError);
    }
  });

  it('should still commit a request slower than its deadline whose key nobody took', async () => {
    const claimed = claimedOf(await service.claim('client-a', 'key-1', 'body-1', t0));
    // Asked again past the deadline but within the margin: refused, the key stays the first's.
    await expect(
      service.claim('client-a', 'key-1', 'body-1', at(t0, DEADLINE_MS + 500)),
    ).rejects.toBeInstanceOf(IdempotencyKeyInFlightError);
    await complete(claimed, 'payment-1');
    await expect(stored('key-1')).resolves.toMatchObject({
      state: 'COMPLETED',
      paymentId: 'payment-1',
    });
  });

  it('should free a released key at once, but not one another request took over', async () => {
    const first = claimedOf(await service.claim('client-a', 'key-1', 'body-1', t0));
    await service.release(first);
    await expect(stored('key-1')).resolves.toBeNull();
    const again = claimedOf(await service.claim('client-a', 'key-1', 'body-2', at(t0, 10)));
    const takeover = claimedOf(
      await service.claim('client-a', 'key-1', 'body-2', at(t0, 10 + PAST_TAKEOVER_MS)),
    );
    await service.release(again);
    await expect(stored('key-1')).resolves.toMatchObject({
      state: 'IN_FLIGHT',
      lockedUntil: takeover.lockedUntil,
    });
  });

  it('should treat a key past its TTL as new, whatever body it had', async () => {
    const claimed = claimedOf(await service.claim('client-a', 'key-1', 'body-1', t0));
    await complete(claimed, 'payment-1');
    const later = at(t0, TTL_SECONDS * 1000 + 1);
    claimedOf(await service.claim('client-a', 'key-1', 'body-2', later));
    await expect(stored('key-1')).resolves.toMatchObject({
      fingerprint: 'body-2',
      state: 'IN_FLIGHT',
      paymentId: null,
      expiresAt: at(later, TTL_SECONDS * 1000),
    });
  });

  it('should sweep every key past its TTL, in batches, and no other', async () => {
    const expired = Array.from({ length: 1_203 }, (_, i) =>
      keys.create({
        clientId: 'client-a',
        key: `old-${i}`,
        fingerprint: 'f',
        state: 'COMPLETED',
        paymentId: `payment-${i}`,
        lockedUntil: at(t0, -TTL_SECONDS * 1000),
        expiresAt: at(t0, -1_000),
      }),
    );
    for (let i = 0; i < expired.length; i += 200) {
      await keys.insert(expired.slice(i, i + 200));
    }
    await service.claim('client-a', 'live-1', 'f', t0);
    await service.claim('client-a', 'live-2', 'f', t0);
    await expect(service.sweep(t0)).resolves.toBe(1_203);
    const left = await keys.find({ order: { key: 'ASC' } });
    expect(left.map((key) => key.key)).toEqual(['live-1', 'live-2']);
    await expect(service.sweep(t0)).resolves.toBe(0);
  });
});

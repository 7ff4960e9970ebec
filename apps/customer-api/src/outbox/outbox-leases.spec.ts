import { DataSource, In } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { transaction } from '@app/platform/transaction';
import { databaseKinds, TestDatabase } from '../../../../tools/testing/databases';
import { openCustomerDatabase } from '../../test/customer-database';
import { OutboxLeases, refusalDelayMs } from './outbox-leases';
import { OutboxMessage } from './outbox-message.entity';

const LEASE_MS = 30_000;

/** Outbox rows as the accepts commit them, oldest first; `lease` as a relay left it. */
async function commitRows(
  dataSource: DataSource,
  count: number,
  fields: Partial<OutboxMessage> = {},
): Promise<string[]> {
  const rows = Array.from({ length: count }, (_, i) =>
    Object.assign(new OutboxMessage(), {
      id: uuidv7(),
      destination: 'sales',
      body: `message ${i}`,
      attributes: '{}',
      attempts: 0,
      leaseOwner: null,
      leaseUntil: null,
      parkedAt: null,
      lastError: null,
      createdAt: new Date(),
      ...fields,
    }),
  );
  for (const row of rows) {
    await dataSource.manager.insert(OutboxMessage, row);
  }
  return rows.map((row) => row.id);
}

async function stored(dataSource: DataSource, ids: string[]): Promise<OutboxMessage[]> {
  return dataSource.manager.find(OutboxMessage, { where: { id: In(ids) }, order: { id: 'ASC' } });
}

describe.each(databaseKinds())(`${OutboxLeases.name} (%s)`, (kind) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let leases: OutboxLeases;

  beforeEach(async () => {
    ({ db, dataSource } = await openCustomerDatabase(kind, 'outbox-leases'));
    leases = new OutboxLeases(dataSource);
  });

  afterEach(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('should claim the oldest free rows up to the limit and stamp its lease on them', async () => {
    const ids = await commitRows(dataSource, 5);
    const before = Date.now();
    const claimed = await leases.claim('relay-a', 3, LEASE_MS);
    expect(claimed.map((row) => row.id)).toEqual(ids.slice(0, 3));
    const rows = await stored(dataSource, ids);
    expect(rows.map((row) => row.leaseOwner)).toEqual([
      'relay-a',
      'relay-a',
      'relay-a',
      null,
      null,
    ]);
    for (const row of rows.slice(0, 3)) {
      expect(row.leaseUntil?.getTime()).toBeGreaterThanOrEqual(before + LEASE_MS - 5);
      expect(row.leaseUntil?.getTime()).toBeLessThanOrEqual(Date.now() + LEASE_MS + 5);
    }
  });

  it('should give concurrent claimers disjoint rows, together all of them', async () => {
    const ids = await commitRows(dataSource, 60);
    const owners = ['relay-a', 'relay-b', 'relay-c', 'relay-d'];
    const claimedBy = new Map<string, string[]>(owners.map((owner) => [owner, []]));
    // Rounds of simultaneous claims (each on its own connection on MySQL) until none gets a row.
    for (let round = 0; round < 10; round += 1) {
      const claims = await Promise.all(owners.map((owner) => leases.claim(owner, 5, LEASE_MS)));
      claims.forEach((rows, i) => claimedBy.get(owners[i])?.push(...rows.map((row) => row.id)));
      if (claims.every((rows) => rows.length === 0)) {
        break;
      }
    }
    const all = [...claimedBy.values()].flat();
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort()).toEqual(ids);
    // Each row's stored owner is the claimer that was given it.
    const rows = await stored(dataSource, ids);
    for (const row of rows) {
      expect(claimedBy.get(row.leaseOwner ?? '')).toContain(row.id);
    }
  });

  it('should not claim a row under a live lease, and take over one whose lease ran out', async () => {
    const [live] = await commitRows(dataSource, 1, {
      leaseOwner: 'relay-alive',
      leaseUntil: new Date(Date.now() + 60_000),
    });
    const [expired] = await commitRows(dataSource, 1, {
      leaseOwner: 'relay-dead',
      leaseUntil: new Date(Date.now() - 1_000),
    });
    const claimed = await leases.claim('relay-b', 10, LEASE_MS);
    expect(claimed.map((row) => row.id)).toEqual([expired]);
    const [liveRow, expiredRow] = await stored(dataSource, [live, expired]);
    expect(liveRow.leaseOwner).toBe('relay-alive');
    expect(expiredRow.leaseOwner).toBe('relay-b');
    expect(expiredRow.leaseUntil?.getTime()).toBeGreaterThan(Date.now());
  });

  it('should not claim parked rows', async () => {
    await commitRows(dataSource, 2, { parkedAt: new Date(), attempts: 10 });
    await expect(leases.claim('relay-a', 10, LEASE_MS)).resolves.toEqual([]);
  });

  it('should make released rows claimable at once, releasing only its own', async () => {
    const ids = await commitRows(dataSource, 2);
    await leases.claim('relay-a', 1, LEASE_MS);
    await leases.claim('relay-b', 1, LEASE_MS);
    await leases.release('relay-a', ids);
    const [released, held] = await stored(dataSource, ids);
    expect(released).toMatchObject({ leaseOwner: null, leaseUntil: null });
    expect(held.leaseOwner).toBe('relay-b');
    const again = await leases.claim('relay-c', 10, LEASE_MS);
    expect(again.map((row) => row.id)).toEqual([ids[0]]);
  });

  it('should delay a refused row by its attempts and park it at the last attempt', async () => {
    const ids = await commitRows(dataSource, 2);
    const [first, second] = await leases.claim('relay-a', 2, LEASE_MS);
    second.attempts = 2;
    const before = Date.now();
    await expect(
      leases.refuse(
        'relay-a',
        [
          { row: first, reason: 'InvalidMessageContents: bad' },
          { row: second, reason: 'QueueDoesNotExist: gone' },
        ],
        3,
      ),
    ).resolves.toBe(1);
    const [retried, parked] = await stored(dataSource, ids);
    expect(retried).toMatchObject({ attempts: 1, parkedAt: null, leaseOwner: null });
    expect(retried.lastError).toBe('InvalidMessageContents: bad');
    expect(retried.leaseUntil?.getTime()).toBeGreaterThanOrEqual(before + refusalDelayMs(1) - 5);
    expect(parked).toMatchObject({ attempts: 3, leaseOwner: null, leaseUntil: null });
    expect(parked.parkedAt).toBeInstanceOf(Date);
    // Neither is claimable now: one waits out its delay, the other waits for an operator.
    await expect(leases.claim('relay-b', 10, LEASE_MS)).resolves.toEqual([]);
    await expect(leases.retry([parked.id])).resolves.toBe(1);
    const unparked = await leases.claim('relay-b', 10, LEASE_MS);
    expect(unparked.map((row) => [row.id, row.attempts])).toEqual([[parked.id, 0]]);
  });

  if (kind === 'mysql') {
    // The session's READ COMMITTED (mysql-driver.ts): a locking read (the claim's on SQLite, the
    // status apply's, the re-asker's) takes no gap lock, so an accept committing a newer row
    // meanwhile does not wait for it (under REPEATABLE READ it waited for the commit, or for the
    // lock wait timeout).
    it("should not make an accept's insert wait behind an open locking read", async () => {
      await commitRows(dataSource, 2);
      const waited = await transaction(dataSource, async (manager) => {
        await manager
          .getRepository(OutboxMessage)
          .createQueryBuilder('o')
          .where('o.parkedAt IS NULL')
          .orderBy('o.id', 'ASC')
          .setLock('pessimistic_write')
          .setOnLocked('skip_locked')
          .getMany();
        const started = Date.now();
        await commitRows(dataSource, 1); // another connection, the locking read's still open
        return Date.now() - started;
      });
      expect(waited).toBeLessThan(1_000);
    });
  }

  it('should delete published rows whoever holds them', async () => {
    const ids = await commitRows(dataSource, 3);
    await leases.claim('relay-a', 3, LEASE_MS);
    await leases.remove(ids.slice(0, 2));
    await expect(stored(dataSource, ids)).resolves.toEqual([
      expect.objectContaining({ id: ids[2] }),
    ]);
  });
});

import { Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, Not } from 'typeorm';
import { transaction } from '@app/platform/transaction';
import { OutboxMessage } from './outbox-message.entity';

/** After its n-th refusal a row waits min(2^n s, 5 min) before it is tried again. */
const REFUSAL_BASE_DELAY_MS = 1_000;
const REFUSAL_MAX_DELAY_MS = 5 * 60_000;
/** SQS error texts can be long; the column holds 1024 characters. */
const MAX_ERROR_LENGTH = 1_000;

export function refusalDelayMs(attempts: number): number {
  return Math.min(REFUSAL_MAX_DELAY_MS, REFUSAL_BASE_DELAY_MS * 2 ** attempts);
}

/** A parked row as the operator command lists it. */
export interface ParkedMessage {
  id: string;
  destination: string;
  attempts: number;
  createdAt: Date;
  parkedAt: Date;
  lastError: string | null;
  body: string;
}

/**
 * The outbox table's lease protocol. A relay claims rows by stamping its owner id and a lease
 * expiry on them, committed before it talks to SQS (one UPDATE on MySQL, which gives replicas
 * disjoint rows; a short transaction on SQLite); it then deletes what SQS accepted. A row whose
 * lease ran out (its relay died or hung) is claimable again. Used by the relay and by the
 * operator command, so it takes a DataSource and nothing of Nest.
 */
@Injectable()
export class OutboxLeases {
  private readonly mysql: boolean;

  constructor(private readonly dataSource: DataSource) {
    this.mysql = ['mysql', 'mariadb'].includes(dataSource.options.type);
  }

  /** Claims up to `limit` unparked rows, oldest first, that nobody holds a live lease on. */
  claim(owner: string, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    return this.mysql
      ? this.claimByUpdate(owner, limit, leaseMs)
      : this.claimInTransaction(owner, limit, leaseMs);
  }

  /**
   * MySQL: one UPDATE stamps the lease on the oldest free rows, then one read fetches the rows
   * stamped with exactly this lease: two statements and no open transaction, where a locking
   * read in a transaction took four (docs/performance.md, "Changes measured"). At READ
   * COMMITTED (mysql-driver.ts) the UPDATE locks only the rows it changes: a row another relay
   * is stamping is re-read once that commits, found leased, and passed over, and rows of
   * accepts not yet committed are not seen at all.
   */
  private async claimByUpdate(
    owner: string,
    limit: number,
    leaseMs: number,
  ): Promise<OutboxMessage[]> {
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const claimed = await this.dataSource
      .createQueryBuilder()
      .update(OutboxMessage)
      .set({ leaseOwner: owner, leaseUntil })
      .where('parked_at IS NULL')
      .andWhere('(lease_until IS NULL OR lease_until <= :now)', { now })
      .orderBy('id', 'ASC')
      .limit(limit)
      .execute();
    if (!claimed.affected) {
      return [];
    }
    // This owner claims one batch at a time: its lease's expiry, to the millisecond, names it.
    return this.dataSource.manager.find(OutboxMessage, {
      where: { leaseOwner: owner, leaseUntil },
      order: { id: 'ASC' },
    });
  }

  /** SQLite: a read and an UPDATE in one transaction (one writer at a time on SQLite anyway). */
  private claimInTransaction(
    owner: string,
    limit: number,
    leaseMs: number,
  ): Promise<OutboxMessage[]> {
    return transaction(this.dataSource, async (manager) => {
      const now = new Date();
      const rows = await manager
        .getRepository(OutboxMessage)
        .createQueryBuilder('o')
        .where('o.parkedAt IS NULL')
        .andWhere('(o.leaseUntil IS NULL OR o.leaseUntil <= :now)', { now })
        .orderBy('o.id', 'ASC')
        .limit(limit)
        .getMany();
      if (rows.length > 0) {
        const leaseUntil = new Date(now.getTime() + leaseMs);
        await manager.update(
          OutboxMessage,
          { id: In(rows.map((row) => row.id)) },
          { leaseOwner: owner, leaseUntil },
        );
      }
      return rows;
    });
  }

  /** Published: gone. By id alone: whoever holds the lease now, the message is out. */
  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) {
      await this.dataSource.manager.delete(OutboxMessage, { id: In([...ids]) });
    }
  }

  /** Not published for a reason outside the message (timeout, outage): claimable at once. */
  async release(owner: string, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) {
      await this.dataSource.manager.update(
        OutboxMessage,
        { id: In([...ids]), leaseOwner: owner },
        { leaseOwner: null, leaseUntil: null },
      );
    }
  }

  /**
   * SQS refused these rows: one more attempt each, tried again after a growing delay (the
   * lease is pushed out), or parked once `maxAttempts` is reached.
   */
  async refuse(
    owner: string,
    refused: ReadonlyArray<{ row: OutboxMessage; reason: string }>,
    maxAttempts: number,
  ): Promise<number> {
    const now = Date.now();
    let parked = 0;
    for (const { row, reason } of refused) {
      const attempts = row.attempts + 1;
      const park = attempts >= maxAttempts;
      parked += park ? 1 : 0;
      await this.dataSource.manager.update(
        OutboxMessage,
        { id: row.id, leaseOwner: owner },
        {
          attempts,
          lastError: reason.slice(0, MAX_ERROR_LENGTH),
          parkedAt: park ? new Date(now) : null,
          leaseOwner: null,
          leaseUntil: park ? null : new Date(now + refusalDelayMs(attempts)),
        },
      );
    }
    return parked;
  }

  async parked(limit: number): Promise<ParkedMessage[]> {
    const rows = await this.dataSource.manager.find(OutboxMessage, {
      where: { parkedAt: Not(IsNull()) },
      order: { id: 'ASC' },
      take: limit,
    });
    return rows.map((row) => ({
      id: row.id,
      destination: row.destination,
      attempts: row.attempts,
      createdAt: row.createdAt,
      parkedAt: row.parkedAt as Date,
      lastError: row.lastError,
      body: row.body,
    }));
  }

  /** Unparks rows (all, or those named) with a fresh attempt budget; answers how many. */
  async retry(ids?: readonly string[]): Promise<number> {
    const result = await this.dataSource.manager.update(
      OutboxMessage,
      { parkedAt: Not(IsNull()), ...(ids ? { id: In([...ids]) } : {}) },
      { parkedAt: null, attempts: 0, leaseOwner: null, leaseUntil: null },
    );
    return result.affected ?? 0;
  }

  /** Parked rows: an index range of the few there are. */
  async parkedCount(): Promise<number> {
    return this.dataSource.manager.count(OutboxMessage, { where: { parkedAt: Not(IsNull()) } });
  }

  /**
   * Rows waiting, counted up to `cap` only: the scan is bounded however large an outage made
   * the outbox (the answer is then "at least cap").
   */
  async backlog(cap: number): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number | string }[]>(
      'SELECT COUNT(*) AS n FROM (SELECT 1 FROM outbox LIMIT ?) capped',
      [cap],
    );
    return Number(row?.n ?? 0);
  }

  /** When the oldest unparked row was committed: near the start of the primary key (UUIDv7). */
  async oldestCreatedAt(): Promise<Date | undefined> {
    const [row] = await this.dataSource.manager.find(OutboxMessage, {
      select: { id: true, createdAt: true },
      where: { parkedAt: IsNull() },
      order: { id: 'ASC' },
      take: 1,
    });
    return row?.createdAt;
  }
}

import type { DataSource } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver';
import { BetterSqlite3QueryRunner } from 'typeorm/driver/better-sqlite3/BetterSqlite3QueryRunner';

/** A FIFO lock with an owner: whoever holds it runs; the others wait their turn. */
class Gate {
  private holder: object | undefined;
  private readonly waiting: { owner: object; enter: () => void }[] = [];

  heldBy(owner: object): boolean {
    return this.holder === owner;
  }

  acquire(owner: object): Promise<void> {
    if (this.holder === undefined) {
      this.holder = owner;
      return Promise.resolve();
    }
    return new Promise((enter) => this.waiting.push({ owner, enter }));
  }

  release(owner: object): void {
    if (this.holder !== owner) {
      return;
    }
    const next = this.waiting.shift();
    this.holder = next?.owner;
    next?.enter();
  }
}

/**
 * A query runner per unit of work on SQLite's one connection, all of them behind one gate: a
 * transaction holds the gate from BEGIN to COMMIT or ROLLBACK, a statement outside a
 * transaction holds it for itself. So no statement runs inside another unit of work's
 * transaction — neither reading its uncommitted rows nor being undone by its rollback.
 */
class GatedQueryRunner extends BetterSqlite3QueryRunner {
  constructor(
    driver: BetterSqlite3Driver,
    private readonly gate: Gate,
    statements: Map<string, unknown>,
  ) {
    super(driver);
    // Prepared statements are the connection's, not the runner's: share them.
    (this as unknown as { stmtCache: Map<string, unknown> }).stmtCache = statements;
  }

  override async query(
    query: string,
    parameters?: unknown[],
    useStructuredResult?: boolean,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeORM's own signature
  ): Promise<any> {
    if (this.gate.heldBy(this)) {
      return super.query(query, parameters, useStructuredResult);
    }
    const statement = {};
    await this.gate.acquire(statement);
    try {
      return await super.query(query, parameters, useStructuredResult);
    } finally {
      this.gate.release(statement);
    }
  }

  override async startTransaction(isolationLevel?: IsolationLevel): Promise<void> {
    if (!this.gate.heldBy(this)) {
      await this.gate.acquire(this);
    }
    try {
      await super.startTransaction(isolationLevel);
    } finally {
      this.leaveIfEnded();
    }
  }

  override async commitTransaction(): Promise<void> {
    try {
      await super.commitTransaction();
    } finally {
      this.leaveIfEnded();
    }
  }

  override async rollbackTransaction(): Promise<void> {
    try {
      await super.rollbackTransaction();
    } finally {
      this.leaveIfEnded();
    }
  }

  override async release(): Promise<void> {
    if (this.gate.heldBy(this) && this.sqlite().inTransaction) {
      // A runner let go of mid-transaction: its work is abandoned, not left open for others.
      this.sqlite().exec('ROLLBACK');
    }
    this.leaveIfEnded();
    return super.release();
  }

  private sqlite(): { inTransaction: boolean; exec(sql: string): void } {
    return this.driver.databaseConnection as {
      inTransaction: boolean;
      exec(sql: string): void;
    };
  }

  /** Opens the gate once the connection is out of this runner's transaction, however it ended. */
  private leaveIfEnded(): void {
    if (this.gate.heldBy(this) && !this.sqlite().inTransaction) {
      this.isTransactionActive = false;
      this.transactionDepth = 0;
      this.gate.release(this);
    }
  }
}

/**
 * Makes an initialised better-sqlite3 DataSource hand out a gated query runner per unit of work
 * (see GatedQueryRunner). Other data sources are left as they are.
 */
export function gateSqliteAccess(dataSource: DataSource): void {
  if (dataSource.options.type !== 'better-sqlite3') {
    return;
  }
  const driver = dataSource.driver as BetterSqlite3Driver;
  const gate = new Gate();
  const statements = new Map<string, unknown>();
  driver.createQueryRunner = () => new GatedQueryRunner(driver, gate, statements);
}

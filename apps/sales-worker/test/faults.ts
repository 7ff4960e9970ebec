import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { TestDatabase } from '../../../tools/testing/databases';
import { TcpProxy } from '../../../tools/testing/tcp-proxy';
import { openDatabase } from './sales-worker.harness';

/**
 * A real fault of the worker's database that a test switches on and off: the database is down.
 * MySQL: the server goes away (a TCP proxy between the worker and MariaDB drops every connection
 * and refuses new ones). SQLite is a file in the worker's own process and cannot go away; what
 * "down" means for it is that it cannot be written: another process holds its write lock
 * (BEGIN EXCLUSIVE) past the worker's busy timeout, so every write fails with SQLITE_BUSY.
 */
export interface DatabaseFault {
  /** DATABASE_URL the worker must use so the fault reaches it. */
  url?: string;
  break(): Promise<void>;
  repair(): Promise<void>;
  close(): Promise<void>;
}

export async function databaseFault(db: TestDatabase): Promise<DatabaseFault> {
  if (db.url) {
    const target = new URL(db.url);
    const proxy = await TcpProxy.start(target.hostname, Number(target.port || 3306));
    const url = new URL(db.url);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    return {
      url: url.toString(),
      break: async () => proxy.cut(),
      repair: async () => proxy.restore(),
      close: () => proxy.close(),
    };
  }
  // A connection of its own, as another process would have.
  const locker = new DataSource({
    type: 'better-sqlite3',
    database: db.sqlitePath,
    timeout: 10_000,
  });
  await locker.initialize();
  return {
    break: async () => {
      await locker.query('BEGIN EXCLUSIVE');
    },
    repair: async () => {
      await locker.query('ROLLBACK');
    },
    close: () => locker.destroy(),
  };
}

/**
 * A failure of some messages themselves, while the database stays up: inserts of sales for
 * `customerId` are refused by a trigger (as a bug or a bad row would), on both dialects.
 */
export interface MessageFault {
  refuse(customerId: string): Promise<void>;
  accept(): Promise<void>;
  close(): Promise<void>;
}

export async function messageFault(db: TestDatabase): Promise<MessageFault> {
  const dataSource = await openDatabase(db);
  const mysql = Boolean(db.url);
  let name: string | undefined;
  return {
    refuse: async (customerId) => {
      name = `refuse_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
      const id = customerId.replace(/'/g, "''");
      await dataSource.query(
        mysql
          ? `CREATE TRIGGER ${name} BEFORE INSERT ON sales FOR EACH ROW IF NEW.customer_id = '${id}' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF`
          : `CREATE TRIGGER ${name} BEFORE INSERT ON sales WHEN NEW.customer_id = '${id}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
      );
    },
    accept: async () => {
      if (name) {
        await dataSource.query(`DROP TRIGGER ${name}`);
        name = undefined;
      }
    },
    close: () => dataSource.destroy(),
  };
}

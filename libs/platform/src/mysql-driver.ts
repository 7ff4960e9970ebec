import * as mysql2 from 'mysql2';
import type { Pool, PoolConnection, PoolOptions } from 'mysql2';

export interface MysqlSessionSettings {
  /** `innodb_lock_wait_timeout` of every connection, in milliseconds (rounded up to seconds). */
  lockWaitTimeoutMs: number;
  /** mysql2's timeout of every statement, in milliseconds; 0: none. */
  queryTimeoutMs: number;
}

type Callback = (err: (Error & { code?: string }) | null, ...rest: unknown[]) => void;

/**
 * Every statement gets mysql2's timeout (set here rather than through TypeORM's
 * `maxQueryExecutionTime`, which would also print each timed-out statement and its parameters
 * to the console). A statement that timed out leaves its connection waiting for an answer that
 * may never come: the connection is destroyed rather than handed to the next request, which
 * would queue behind it and time out in turn.
 */
function withQueryTimeout(connection: PoolConnection, timeoutMs: number): void {
  const query = connection.query.bind(connection) as (...args: unknown[]) => unknown;
  (connection as unknown as { query: (...args: unknown[]) => unknown }).query = (
    ...args: unknown[]
  ) => {
    const [sql] = args;
    if (typeof sql === 'string') {
      args[0] = { sql, timeout: timeoutMs };
    } else if (typeof sql === 'object' && sql !== null && !('timeout' in sql)) {
      args[0] = { ...sql, timeout: timeoutMs };
    }
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = ((err, ...rest) => {
        if (err?.code === 'PROTOCOL_SEQUENCE_TIMEOUT') {
          connection.destroy();
        }
        (callback as Callback)(err, ...rest);
      }) satisfies Callback;
    }
    return query(...args);
  };
}

/**
 * mysql2 for TypeORM's `driver` option, setting each new connection's session before its first
 * statement (mysql2 runs a connection's commands in order), with a timeout on every statement.
 *
 * Every transaction runs at READ COMMITTED: a locking read or UPDATE (the outbox claim, the
 * status apply, the re-asker) locks the rows it finds and no index gaps, so it never blocks the
 * INSERTs of concurrent accepts; plain INSERTs and upserts behave as under REPEATABLE READ.
 * Set once per connection rather than per transaction: `dataSource.transaction('READ
 * COMMITTED', …)` costs one more round trip for every transaction (bench/: about one statement
 * in eleven under load). Where the server writes a binary log it must be row-based or mixed
 * (MySQL 8 defaults to ROW; Aurora writes none unless its parameter group sets a format).
 */
export function mysqlWithSessionSettings(settings: MysqlSessionSettings): typeof mysql2 {
  const lockWaitSeconds = Math.max(1, Math.ceil(settings.lockWaitTimeoutMs / 1_000));
  const createPool = (options: PoolOptions): Pool => {
    const pool = mysql2.createPool(options);
    pool.on('connection', (connection) => {
      const ignored = () => {
        // a failure here shows on the connection's next statement
      };
      connection.query(`SET SESSION innodb_lock_wait_timeout = ${lockWaitSeconds}`, ignored);
      connection.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', ignored);
      if (settings.queryTimeoutMs > 0) {
        withQueryTimeout(connection, settings.queryTimeoutMs);
      }
    });
    return pool;
  };
  return Object.create(mysql2, {
    createPool: { value: createPool, enumerable: true },
  }) as typeof mysql2;
}

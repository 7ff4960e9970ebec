import * as mysql2 from 'mysql2';
import type { Pool, PoolConnection, PoolOptions } from 'mysql2';

export interface MysqlSessionSettings {
  /** `innodb_lock_wait_timeout` of every connection, in milliseconds (rounded up to seconds). */
  lockWaitTimeoutMs: number;
}

type Callback = (err: (Error & { code?: string }) | null, ...rest: unknown[]) => void;

/**
 * A statement that timed out leaves its connection waiting for an answer that may never come:
 * the connection is destroyed rather than handed to the next request, which would queue behind
 * it and time out in turn.
 */
function dropOnTimeout(connection: PoolConnection): void {
  const query = connection.query.bind(connection) as (...args: unknown[]) => unknown;
  (connection as unknown as { query: (...args: unknown[]) => unknown }).query = (
    ...args: unknown[]
  ) => {
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
 * statement (mysql2 runs a connection's commands in order) and dropping timed-out connections.
 */
export function mysqlWithSessionSettings(settings: MysqlSessionSettings): typeof mysql2 {
  const lockWaitSeconds = Math.max(1, Math.ceil(settings.lockWaitTimeoutMs / 1_000));
  const createPool = (options: PoolOptions): Pool => {
    const pool = mysql2.createPool(options);
    pool.on('connection', (connection) => {
      connection.query(`SET SESSION innodb_lock_wait_timeout = ${lockWaitSeconds}`, () => {
        // a failure here shows on the connection's next statement
      });
      dropOnTimeout(connection);
    });
    return pool;
  };
  return Object.create(mysql2, {
    createPool: { value: createPool, enumerable: true },
  }) as typeof mysql2;
}

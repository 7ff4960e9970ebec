const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);

const TRANSIENT_MESSAGES = [
  /connection is in closed state/i,
  /can't add new command when connection is in closed state/i,
  /pool is closed/i,
  /connection lost/i,
  /timed? ?out/i,
  /connect ECONNREFUSED/i,
];

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) {
    return undefined;
  }
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = e.driverError?.code ?? e.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * True for database errors that another try may not meet: the server is down or unreachable, a
 * deadlock or a lock timeout. Everything else (constraint violations, bad SQL) is not transient.
 */
export function isTransientDatabaseError(err: unknown): boolean {
  const code = codeOf(err);
  if (code !== undefined && TRANSIENT_CODES.has(code)) {
    return true;
  }
  const message = err instanceof Error ? err.message : '';
  return TRANSIENT_MESSAGES.some((pattern) => pattern.test(message));
}

/** The server refused one statement for contention with another: that message's bad luck. */
const CONTENTION_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

/**
 * The database itself cannot be used now, whatever is asked of it: the server is down,
 * unreachable, restarting or out of connections, a connection or a statement timed out; for
 * SQLite, its file cannot be read, written or locked (another process holds the write lock past
 * the busy timeout, the disk is full or read-only). A consumer pauses on these. Deadlocks and
 * lock wait timeouts are not among them: they concern the statements of one message.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_PACKETS_OUT_OF_ORDER',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  'ER_STATEMENT_TIMEOUT',
  'ER_QUERY_TIMEOUT',
  'ER_OPTION_PREVENTS_STATEMENT',
  'ER_CANT_LOCK',
  'ER_DISK_FULL',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_PROTOCOL',
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT',
]);

const UNAVAILABLE_MESSAGES = [
  /connection is in closed state/i,
  /pool is closed/i,
  /connection lost/i,
  /connect ECONNREFUSED/i,
  /connect ETIMEDOUT/i,
  /timed? ?out/i,
  /Connection is not established/i,
  /Cannot execute operation on .* connection because connection is not yet established/i,
  /The database connection is not open/i,
];

/** True when the database (not the statement) failed: see UNAVAILABLE_CODES. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = codeOf(err);
  if (code !== undefined) {
    // SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED…: the family decides.
    const family = code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1');
    return (
      !CONTENTION_CODES.has(code) && (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_CODES.has(family))
    );
  }
  // The driver's own errors without a code: a closed pool or connection, a timeout.
  const message = err instanceof Error ? err.message : '';
  return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
}

/** True when an insert failed on a unique key. */
export function isDuplicateKeyError(err: unknown): boolean {
  const code = codeOf(err);
  return (
    code === 'ER_DUP_ENTRY' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

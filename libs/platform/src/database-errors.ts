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

/** True when an insert failed on a unique key. */
export function isDuplicateKeyError(err: unknown): boolean {
  const code = codeOf(err);
  return (
    code === 'ER_DUP_ENTRY' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

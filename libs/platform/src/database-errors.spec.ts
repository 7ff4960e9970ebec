import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './database-errors';

function driverError(code: string, message = code): QueryFailedError {
  return new QueryFailedError('INSERT …', [], Object.assign(new Error(message), { code }));
}

describe(isDatabaseUnavailable.name, () => {
  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'PROTOCOL_CONNECTION_LOST',
    'ER_CON_COUNT_ERROR',
    'ER_STATEMENT_TIMEOUT',
    'SQLITE_BUSY',
    'SQLITE_IOERR_WRITE',
    'SQLITE_READONLY_DBMOVED',
    'SQLITE_FULL',
  ])('should see %s as the database being unavailable', (code) => {
    expect(isDatabaseUnavailable(driverError(code))).toBe(true);
  });

  it.each([
    'ER_LOCK_DEADLOCK',
    'ER_LOCK_WAIT_TIMEOUT',
    'ER_DUP_ENTRY',
    'ER_SIGNAL_EXCEPTION',
    'SQLITE_CONSTRAINT_TRIGGER',
  ])('should see %s as a failure of the statement, not of the database', (code) => {
    expect(isDatabaseUnavailable(driverError(code, 'Lock wait timeout exceeded'))).toBe(false);
  });

  it('should recognise a closed pool and a connect timeout by their message', () => {
    expect(isDatabaseUnavailable(new Error('Pool is closed.'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('connect ETIMEDOUT'))).toBe(true);
    expect(isDatabaseUnavailable(new TypeError('undefined is not a function'))).toBe(false);
  });
});

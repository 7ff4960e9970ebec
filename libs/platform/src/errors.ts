/** How an application error is answered; the problem filter maps each kind to one HTTP status. */
export type ErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'not-found'
  | 'conflict'
  | 'unprocessable'
  | 'rate-limited'
  | 'unavailable';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * A domain error with a stable machine-readable `code`. Services throw these (never
 * HttpException); the problem filter turns them into RFC 9457 answers.
 */
export class ApplicationError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly fieldErrors: FieldError[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidInputError extends ApplicationError {
  constructor(message: string, fieldErrors: FieldError[] = []) {
    super('invalid', 'INVALID_INPUT', message, fieldErrors);
  }
}

export class NotFoundError extends ApplicationError {
  constructor(message: string) {
    super('not-found', 'NOT_FOUND', message);
  }
}

/** A dependency (database, queue) is down or timing out: the client may retry later. */
export class DependencyUnavailableError extends ApplicationError {
  constructor(
    message = 'a dependency of this service is unavailable; retry later',
    retryAfterSeconds = 2,
  ) {
    super('unavailable', 'DEPENDENCY_UNAVAILABLE', message, [], retryAfterSeconds);
  }
}

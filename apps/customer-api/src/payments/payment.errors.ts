import { ApplicationError } from '@app/platform/errors';

export class PaymentNotFoundError extends ApplicationError {
  constructor() {
    super('not-found', 'PAYMENT_NOT_FOUND', 'no payment has this request id');
  }
}

export class IdempotencyKeyReusedError extends ApplicationError {
  constructor() {
    super(
      'unprocessable',
      'IDEMPOTENCY_KEY_REUSED',
      'this Idempotency-Key was already used with a different request body',
    );
  }
}

export class IdempotencyKeyInFlightError extends ApplicationError {
  constructor(retryAfterSeconds: number) {
    super(
      'conflict',
      'IDEMPOTENCY_KEY_IN_FLIGHT',
      'a request with this Idempotency-Key is still being processed',
      [],
      retryAfterSeconds,
    );
  }
}

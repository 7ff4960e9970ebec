import { ApplicationError } from '@app/platform/errors';

export class SaleNotFoundError extends ApplicationError {
  constructor() {
    super('not-found', 'SALE_NOT_FOUND', 'the sales DB holds no payment with this id');
  }
}

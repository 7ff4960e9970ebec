import { OutboxMessage } from '../outbox/outbox-message.entity';
import { IdempotencyKey } from '../payments/idempotency-key.entity';
import { Payment } from '../payments/payment.entity';

/** Listed, not globbed: the webpack bundle has no entity files to find. */
export const ENTITIES = [Payment, IdempotencyKey, OutboxMessage];

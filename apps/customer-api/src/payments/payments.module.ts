import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OutboxModule } from '../outbox/outbox.module';
import { IdempotencyKey } from './idempotency-key.entity';
import { PaymentStatusHandler } from './payment-status.handler';
import { PAYMENT_METRICS, PaymentsMetrics } from './payments.metrics';
import { Payment } from './payment.entity';
import { PaymentsController } from './payments.controller';
import { PaymentsService } from './payments.service';
import { IdempotencyKeysService } from './idempotency-keys.service';
import { PaymentStatusService } from './payment-status.service';
import { PendingReasker } from './pending.reasker';
import { PaymentLongPoll } from './payment-long-poll';
import { StatusWaiters } from './status-waiters';

@Module({
  imports: [TypeOrmModule.forFeature([Payment, IdempotencyKey]), OutboxModule],
  controllers: [PaymentsController],
  providers: [
    PaymentsService,
    IdempotencyKeysService,
    PaymentStatusService,
    PendingReasker,
    PaymentLongPoll,
    StatusWaiters,
    PaymentStatusHandler,
    PaymentsMetrics,
    ...PAYMENT_METRICS,
  ],
})
export class PaymentsModule {}

import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { DestinationStream } from 'pino';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
import { MessagingModule } from '@app/messaging/messaging.module';
import { SqsReadinessCheck } from '@app/messaging/sqs-readiness.check';
import { ServiceCoreModule } from '@app/platform/service-core.module';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ClientThrottlerGuard } from './auth/client-throttler.guard';
import { EnvironmentModule } from './config/environment.module';
import { CustomerApiEnvironment } from './config/environment';
import { ENTITIES } from './database/entities';
import { MIGRATIONS } from './database/migrations';
import { OutboxModule } from './outbox/outbox.module';
import { PaymentsModule } from './payments/payments.module';

@Module({})
export class AppModule {
  static forRoot(env: CustomerApiEnvironment, logDestination?: DestinationStream): DynamicModule {
    return {
      module: AppModule,
      imports: [
        EnvironmentModule.forRoot(env),
        ServiceCoreModule.forRoot({
          service: 'customer-api',
          env,
          entities: ENTITIES,
          migrations: MIGRATIONS,
          readinessChecks: [SqsReadinessCheck],
          logDestination,
        }),
        // Publishes to sales (the outbox), consumes payment-status (PaymentStatusHandler).
        MessagingModule.forRoot({
          env,
          queues: {
            [SALES_QUEUE]: env.SALES_QUEUE,
            [PAYMENT_STATUS_QUEUE]: env.PAYMENT_STATUS_QUEUE,
          },
          consumes: { queue: PAYMENT_STATUS_QUEUE, batchSize: 10 },
        }),
        ThrottlerModule.forRoot({
          throttlers: [{ ttl: 1_000, limit: env.RATE_LIMIT_PER_SECOND }],
          skipIf: () => env.RATE_LIMIT_PER_SECOND === 0,
        }),
        OutboxModule,
        PaymentsModule,
      ],
      providers: [
        // Guards run in this order: the key names the client the rate limit counts against.
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: ClientThrottlerGuard },
      ],
    };
  }
}

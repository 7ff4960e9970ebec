import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { DestinationStream } from 'pino';
import { PAYMENT_STATUS_QUEUE } from '@app/contracts';
import { ServiceCoreModule } from '@app/platform';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ClientThrottlerGuard } from './auth/client-throttler.guard';
import { ConfigModule } from './config/config.module';
import { CustomerApiEnvironment } from './config/environment';
import { ENTITIES } from './database/entities';
import { MIGRATIONS } from './database/migrations';
import { OutboxModule } from './outbox/outbox.module';
import { PaymentStatusHandler } from './payments/payment-status.handler';
import { PaymentsModule } from './payments/payments.module';

@Module({})
export class AppModule {
  static forRoot(env: CustomerApiEnvironment, logDestination?: DestinationStream): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(env),
        ServiceCoreModule.forRoot({
          service: 'customer-api',
          env,
          entities: ENTITIES,
          migrations: MIGRATIONS,
          consumes: { queue: PAYMENT_STATUS_QUEUE, batchSize: 10, handler: PaymentStatusHandler },
          logDestination,
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

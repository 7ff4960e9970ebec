import { DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
import { MessagingModule } from '@app/messaging/messaging.module';
import { SqsReadinessCheck } from '@app/messaging/sqs-readiness.check';
import { ServiceCoreModule } from '@app/platform/service-core.module';
import { EnvironmentModule } from './config/environment.module';
import { SalesWorkerEnvironment } from './config/environment';
import { ENTITIES } from './database/entities';
import { MIGRATIONS } from './database/migrations';
import { SalesModule } from './sales/sales.module';

@Module({})
export class AppModule {
  static forRoot(env: SalesWorkerEnvironment, logDestination?: DestinationStream): DynamicModule {
    return {
      module: AppModule,
      imports: [
        EnvironmentModule.forRoot(env),
        ServiceCoreModule.forRoot({
          service: 'sales-worker',
          env,
          entities: ENTITIES,
          migrations: MIGRATIONS,
          readinessChecks: [SqsReadinessCheck],
          logDestination,
        }),
        // Consumes sales (PaymentRecordedHandler), reports to payment-status.
        MessagingModule.forRoot({
          env,
          queues: {
            [SALES_QUEUE]: env.SALES_QUEUE,
            [PAYMENT_STATUS_QUEUE]: env.PAYMENT_STATUS_QUEUE,
          },
          consumes: { queue: SALES_QUEUE, batchSize: env.WORKER_BATCH_SIZE },
        }),
        SalesModule,
      ],
    };
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { SALES_QUEUE } from '@app/contracts';
import { ServiceCoreModule } from '@app/platform';
import { ConfigModule } from './config/config.module';
import { SalesWorkerEnvironment } from './config/environment';
import { ENTITIES } from './database/entities';
import { MIGRATIONS } from './database/migrations';
import { PaymentRecordedHandler } from './sales/payment-recorded.handler';
import { SalesModule } from './sales/sales.module';

@Module({})
export class AppModule {
  static forRoot(env: SalesWorkerEnvironment, logDestination?: DestinationStream): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(env),
        ServiceCoreModule.forRoot({
          service: 'sales-worker',
          env,
          entities: ENTITIES,
          migrations: MIGRATIONS,
          consumes: {
            queue: SALES_QUEUE,
            batchSize: env.WORKER_BATCH_SIZE,
            handler: PaymentRecordedHandler,
          },
          logDestination,
        }),
        SalesModule,
      ],
    };
  }
}

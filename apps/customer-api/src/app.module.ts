import type { DestinationStream } from 'pino';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsModule } from '@ssut/nestjs-sqs';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
import { ConsumerDrain, MessagingModule, QueueDirectory } from '@app/messaging';
import {
  databaseUrlOf,
  dataSourceOptions,
  initializeDataSource,
  HealthModule,
  loggingModule,
  MetricsModule,
  ProblemFilter,
} from '@app/platform';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ClientThrottlerGuard } from './auth/client-throttler.guard';
import { CustomerApiEnvironment } from './config/environment';
import { ConfigModule } from './config/config.module';
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
        ConfigModule.forRoot(env),
        loggingModule({
          level: env.LOG_LEVEL,
          format: env.LOG_FORMAT,
          service: 'customer-api',
          destination: logDestination,
        }),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions({
              url: databaseUrlOf(env),
              sqlitePath: env.SQLITE_PATH,
              poolSize: env.DATABASE_POOL_SIZE,
              connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
              entities: ENTITIES,
              migrations: MIGRATIONS,
            }),
            retryAttempts: 3,
            retryDelay: 1_000,
          }),
          dataSourceFactory: (options) =>
            initializeDataSource(options, env.DATABASE_MIGRATIONS_RUN),
        }),
        MessagingModule.forRoot({
          region: env.AWS_REGION,
          endpoint: env.SQS_ENDPOINT,
          queues: {
            [SALES_QUEUE]: env.SALES_QUEUE,
            [PAYMENT_STATUS_QUEUE]: env.PAYMENT_STATUS_QUEUE,
          },
        }),
        SqsModule.registerAsync({
          useFactory: (queues: QueueDirectory, sqs: SQSClient) => ({
            consumers: [
              {
                name: PAYMENT_STATUS_QUEUE,
                queueUrl: queues.get(PAYMENT_STATUS_QUEUE).url,
                sqs,
                batchSize: 10,
                waitTimeSeconds: env.SQS_WAIT_TIME_SECONDS,
                messageAttributeNames: ['All'],
                messageSystemAttributeNames: ['ApproximateReceiveCount'],
              },
            ],
          }),
          inject: [QueueDirectory, SQSClient],
        }),
        HealthModule,
        MetricsModule.forRoot(),
        ThrottlerModule.forRoot({
          throttlers: [{ ttl: 1_000, limit: env.RATE_LIMIT_PER_SECOND }],
          skipIf: () => env.RATE_LIMIT_PER_SECOND === 0,
        }),
        OutboxModule,
        PaymentsModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        // Guards run in this order: the key names the client the rate limit counts against.
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: ClientThrottlerGuard },
        ConsumerDrain,
      ],
    };
  }
}

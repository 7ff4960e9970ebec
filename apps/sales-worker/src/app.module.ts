import type { DestinationStream } from 'pino';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsModule } from '@ssut/nestjs-sqs';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
import { MessagingModule, QueueDirectory } from '@app/messaging';
import {
  databaseUrlOf,
  dataSourceOptions,
  HealthModule,
  initializeDataSource,
  loggingModule,
  MetricsModule,
  ProblemFilter,
} from '@app/platform';
import { SalesWorkerEnvironment } from './config/environment';
import { ConfigModule } from './config/config.module';
import { ENTITIES } from './database/entities';
import { MIGRATIONS } from './database/migrations';
import { ConsumerDrain } from '@app/messaging';
import { SalesModule } from './sales/sales.module';

@Module({})
export class AppModule {
  static forRoot(env: SalesWorkerEnvironment, logDestination?: DestinationStream): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(env),
        loggingModule({
          level: env.LOG_LEVEL,
          format: env.LOG_FORMAT,
          service: 'sales-worker',
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
                name: SALES_QUEUE,
                queueUrl: queues.get(SALES_QUEUE).url,
                sqs,
                batchSize: env.WORKER_BATCH_SIZE,
                waitTimeSeconds: env.SQS_WAIT_TIME_SECONDS,
                // The queue's own visibility timeout applies; a failed message's visibility is
                // the backoff the BatchProcessor sets, which the consumer must not reset to 0.
                terminateVisibilityTimeout: false,
                messageAttributeNames: ['All'],
                messageSystemAttributeNames: ['ApproximateReceiveCount'],
              },
            ],
          }),
          inject: [QueueDirectory, SQSClient],
        }),
        HealthModule,
        MetricsModule.forRoot(),
        SalesModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }, ConsumerDrain],
    };
  }
}

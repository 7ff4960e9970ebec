import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SqsModule } from '@ssut/nestjs-sqs';
import type { DestinationStream } from 'pino';
import type { EntitySchema, MixedList } from 'typeorm';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
import {
  ConsumerDrain,
  MessagingModule,
  QueueDirectory,
  receiveLoopOptions,
  ReceivePacer,
} from '@app/messaging';
import { databaseUrlOf, dataSourceOptions } from './database';
import { initializeDataSource } from './database-migrations';
import { HealthModule } from './health/health.module';
import { loggingModule } from './logging';
import { MetricsModule } from './metrics/metrics.module';
import { ProblemFilter } from './problem.filter';
import { CONSUMED, ConsumedQueue, ExtraReceiveLoops, ReceiveLoopPlan } from './receive-loops';
import type { ServiceEnvironment } from './service-environment';

export interface ServiceCoreOptions {
  service: string;
  env: ServiceEnvironment;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
  /** The queue this service consumes with an @SqsMessageHandler(queue, true) batch handler. */
  consumes: ConsumedQueue;
  logDestination?: DestinationStream;
}

/** Holds the consumer's ReceivePacer (and its breaker) for every module. */
@Module({})
class ConsumerPacerModule {}

/**
 * What every service of the pattern runs on: logs, its own database (migrated under a lock), the
 * SQS client and queues, one batch consumer, health, metrics and problem+json errors.
 */
@Module({})
export class ServiceCoreModule {
  static forRoot({
    service,
    env,
    entities,
    migrations,
    consumes,
    logDestination,
  }: ServiceCoreOptions): DynamicModule {
    // One for all the loops on the queue: when SQS is unreachable, it is so for all of them;
    // its breaker pauses them all while the handler's dependencies fail.
    const pacer = new ReceivePacer();
    return {
      module: ServiceCoreModule,
      imports: [
        loggingModule({
          level: env.LOG_LEVEL,
          format: env.LOG_FORMAT,
          service,
          destination: logDestination,
        }),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions({
              url: databaseUrlOf(env),
              sqlitePath: env.SQLITE_PATH,
              poolSize: env.DATABASE_POOL_SIZE,
              connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
              queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
              lockWaitTimeoutMs: env.DATABASE_LOCK_WAIT_TIMEOUT_MS,
              entities,
              migrations,
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
          connectTimeoutMs: env.SQS_CONNECT_TIMEOUT_MS,
          requestTimeoutMs: env.SQS_REQUEST_TIMEOUT_MS,
          queues: {
            [SALES_QUEUE]: env.SALES_QUEUE,
            [PAYMENT_STATUS_QUEUE]: env.PAYMENT_STATUS_QUEUE,
          },
        }),
        SqsModule.registerAsync({
          useFactory: (queues: QueueDirectory, sqs: SQSClient) => ({
            consumers: [
              {
                name: consumes.queue,
                ...receiveLoopOptions({
                  queueUrl: queues.get(consumes.queue).url,
                  sqs,
                  batchSize: consumes.batchSize,
                  waitTimeSeconds: env.SQS_WAIT_TIME_SECONDS,
                  visibilityTimeoutSeconds: env.SQS_VISIBILITY_TIMEOUT_SECONDS,
                  pacer,
                }),
              },
            ],
          }),
          inject: [QueueDirectory, SQSClient],
        }),
        // The consumer's handler, in a feature module, injects the pacer for its breaker.
        {
          module: ConsumerPacerModule,
          global: true,
          providers: [{ provide: ReceivePacer, useValue: pacer }],
          exports: [ReceivePacer],
        },
        HealthModule.forRoot({ readinessCacheMs: env.READINESS_CACHE_MS }),
        MetricsModule.forRoot({ queueDepthSampleIntervalMs: env.QUEUE_DEPTH_SAMPLE_INTERVAL_MS }),
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        ConsumerDrain,
        {
          provide: CONSUMED,
          useValue: {
            ...consumes,
            loops: env.SQS_RECEIVE_LOOPS,
            waitTimeSeconds: env.SQS_WAIT_TIME_SECONDS,
            visibilityTimeoutSeconds: env.SQS_VISIBILITY_TIMEOUT_SECONDS,
            pacer,
          } satisfies ReceiveLoopPlan,
        },
        ExtraReceiveLoops,
      ],
      exports: [ConsumerDrain],
    };
  }
}

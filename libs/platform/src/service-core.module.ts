import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DestinationStream } from 'pino';
import type { EntitySchema, MixedList } from 'typeorm';
import { databaseUrlOf, dataSourceOptions } from './database';
import { initializeDataSource } from './database-migrations';
import { HealthModule } from './health/health.module';
import { loggingModule } from './logging';
import { MetricsModule } from './metrics/metrics.module';
import { ProblemFilter } from './problem.filter';
import { ReadinessCheck } from './health/readiness-check';
import type { ServiceEnvironment } from './service-environment';

export interface ServiceCoreOptions {
  service: string;
  env: ServiceEnvironment;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
  /** What /health/ready asks besides the database (the app's queues, say). */
  readinessChecks?: Type<ReadinessCheck>[];
  logDestination?: DestinationStream;
}

/**
 * What every service of the pattern runs on: logs, its own database (migrated under a lock),
 * health, metrics and problem+json errors. Its messaging is the app's own module beside it.
 */
@Module({})
export class ServiceCoreModule {
  static forRoot({
    service,
    env,
    entities,
    migrations,
    readinessChecks,
    logDestination,
  }: ServiceCoreOptions): DynamicModule {
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
        HealthModule.forRoot({ readinessCacheMs: env.READINESS_CACHE_MS, checks: readinessChecks }),
        MetricsModule.forRoot(),
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}

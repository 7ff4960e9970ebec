import { DynamicModule, Global, Module } from '@nestjs/common';
import { validateEnvironment } from '@app/platform/config';
import { SalesWorkerEnvironment } from './environment';

/** Reads and validates the environment; a bad or missing variable stops start-up naming it. */
export function loadEnvironment(
  raw: Record<string, unknown> = process.env,
): SalesWorkerEnvironment {
  return validateEnvironment(SalesWorkerEnvironment)(raw);
}

/** The validated environment, injectable by its class everywhere. */
@Global()
@Module({})
export class EnvironmentModule {
  static forRoot(env: SalesWorkerEnvironment): DynamicModule {
    return {
      module: EnvironmentModule,
      providers: [{ provide: SalesWorkerEnvironment, useValue: env }],
      exports: [SalesWorkerEnvironment],
    };
  }
}

import { DynamicModule, Global, Module } from '@nestjs/common';
import { validateEnvironment } from '@app/platform';
import { CustomerApiEnvironment } from './environment';

/** Reads and validates the environment; a bad or missing variable stops start-up naming it. */
export function loadEnvironment(
  raw: Record<string, unknown> = process.env,
): CustomerApiEnvironment {
  return validateEnvironment(CustomerApiEnvironment)(raw);
}

/** The validated environment, injectable by its class everywhere. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(env: CustomerApiEnvironment): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: CustomerApiEnvironment, useValue: env }],
      exports: [CustomerApiEnvironment],
    };
  }
}

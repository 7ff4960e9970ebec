import { DynamicModule, Global, Module } from '@nestjs/common';
import { validateEnvironment } from '@app/platform/config';
import { loadApiKeys } from '../auth/api-keys';
import { CustomerApiEnvironment } from './environment';

/**
 * Reads and validates the environment; a bad or missing variable stops start-up naming it. In
 * production an API without keys (none configured, or a keys file of only comments) stops it too,
 * unless ALLOW_ANONYMOUS_API says so explicitly.
 */
export function loadEnvironment(
  raw: Record<string, unknown> = process.env,
): CustomerApiEnvironment {
  const env = validateEnvironment(CustomerApiEnvironment)(raw);
  if (
    env.NODE_ENV === 'production' &&
    !env.ALLOW_ANONYMOUS_API &&
    loadApiKeys(env.API_KEYS, env.API_KEYS_FILE).length === 0
  ) {
    throw new Error(
      'Invalid configuration:\n  API_KEYS: production (NODE_ENV=production) needs API_KEYS or ' +
        'an API_KEYS_FILE holding at least one key; to run an open API anyway, set ' +
        'ALLOW_ANONYMOUS_API=true',
    );
  }
  return env;
}

/** The validated environment, injectable by its class everywhere. */
@Global()
@Module({})
export class EnvironmentModule {
  static forRoot(env: CustomerApiEnvironment): DynamicModule {
    return {
      module: EnvironmentModule,
      providers: [{ provide: CustomerApiEnvironment, useValue: env }],
      exports: [CustomerApiEnvironment],
    };
  }
}

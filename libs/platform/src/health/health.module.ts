import { DynamicModule, Module, Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController, READINESS_CACHE_MS, READINESS_CHECKS } from './health.controller';
import { ReadinessCheck } from './readiness-check';

export interface HealthOptions {
  /** How long one readiness result answers every /health/ready request (0: each one checks). */
  readinessCacheMs: number;
  /** What /health/ready asks besides the database, in this order. */
  checks?: Type<ReadinessCheck>[];
}

@Module({})
export class HealthModule {
  static forRoot({ readinessCacheMs, checks = [] }: HealthOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' })],
      controllers: [HealthController],
      providers: [
        ...checks,
        {
          provide: READINESS_CHECKS,
          useFactory: (...instances: ReadinessCheck[]) => instances,
          inject: checks,
        },
        { provide: READINESS_CACHE_MS, useValue: readinessCacheMs },
      ],
    };
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController, READINESS_CACHE_MS } from './health.controller';
import { SqsHealthIndicator } from './sqs.health';

export interface HealthOptions {
  /** How long one readiness result answers every /health/ready request (0: each one checks). */
  readinessCacheMs: number;
}

@Module({})
export class HealthModule {
  static forRoot({ readinessCacheMs }: HealthOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' })],
      controllers: [HealthController],
      providers: [SqsHealthIndicator, { provide: READINESS_CACHE_MS, useValue: readinessCacheMs }],
    };
  }
}

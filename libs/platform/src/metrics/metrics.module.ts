import { DynamicModule, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import { MetricsController } from './metrics.controller';

/** /metrics with the default process metrics and whatever the app's providers register. */
@Module({})
export class MetricsModule {
  static forRoot(): DynamicModule {
    // prom-client's registry is global: the app being built owns it (tests build several).
    register.clear();
    return {
      module: MetricsModule,
      imports: [
        PrometheusModule.register({
          controller: MetricsController,
          defaultMetrics: { enabled: true },
        }),
      ],
    };
  }
}

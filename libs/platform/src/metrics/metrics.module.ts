import { DynamicModule, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import { MetricsController } from './metrics.controller';
import { QUEUE_DEPTH_SAMPLE_INTERVAL_MS, QueueDepthCollector } from './queue-depth.collector';

export interface MetricsOptions {
  /** How often the queues' depths are read from SQS; a scrape only reads the last sample. */
  queueDepthSampleIntervalMs: number;
}

/** /metrics with the default process metrics and the depth of every queue the app uses. */
@Module({})
export class MetricsModule {
  static forRoot({ queueDepthSampleIntervalMs }: MetricsOptions): DynamicModule {
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
      providers: [
        QueueDepthCollector,
        { provide: QUEUE_DEPTH_SAMPLE_INTERVAL_MS, useValue: queueDepthSampleIntervalMs },
      ],
    };
  }
}

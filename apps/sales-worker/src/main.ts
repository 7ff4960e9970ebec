import './tracing'; // TELEMETRY HOOK: must stay the first import
import 'reflect-metadata';
import { runService } from '@app/platform/service-lifecycle';
import { createApp } from './bootstrap';
import { loadEnvironment } from './config/environment.module';

runService('sales-worker', async () => {
  const env = loadEnvironment();
  return {
    app: await createApp(env),
    port: env.PORT,
    host: env.HOST,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  };
});

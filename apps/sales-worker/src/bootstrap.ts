import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { createServiceApp } from '@app/platform/service-lifecycle';
import { AppModule } from './app.module';
import { SalesWorkerEnvironment } from './config/environment';
import { serveSalesWorkerDocument } from './openapi';

/** With createApp, what tests and tools start the app from (docs/architecture.md). */
export { loadEnvironment } from './config/environment.module';

/** The worker's HTTP API only reads: no request has a body worth more than this. */
const BODY_LIMIT_BYTES = 1024;

export async function createApp(
  env: SalesWorkerEnvironment,
  logDestination?: DestinationStream,
): Promise<NestFastifyApplication> {
  const app = await createServiceApp(AppModule.forRoot(env, logDestination), {
    bodyLimit: BODY_LIMIT_BYTES,
  });
  serveSalesWorkerDocument(app);
  return app;
}

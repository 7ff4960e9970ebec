import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { createServiceApp } from '@app/platform';
import { AppModule } from './app.module';
import { SalesWorkerEnvironment } from './config/environment';

/** The worker's HTTP API only reads: no request has a body worth more than this. */
const BODY_LIMIT_BYTES = 1024;

export function createApp(
  env: SalesWorkerEnvironment,
  logDestination?: DestinationStream,
): Promise<NestFastifyApplication> {
  return createServiceApp(AppModule.forRoot(env, logDestination), { bodyLimit: BODY_LIMIT_BYTES });
}

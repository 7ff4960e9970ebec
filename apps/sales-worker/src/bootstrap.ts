import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { configureHttp, createHttpAdapter } from '@app/platform';
import { AppModule } from './app.module';
import { SalesWorkerEnvironment } from './config/environment';
import { ConsumerDrain } from '@app/messaging';

/** The worker's HTTP API only reads: no request has a body worth more than this. */
const BODY_LIMIT_BYTES = 1024;

export async function createApp(env: SalesWorkerEnvironment): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(env),
    createHttpAdapter({ bodyLimit: BODY_LIMIT_BYTES }),
    // Throw start-up errors to the caller (main exits, a test fails) instead of exiting here.
    { bufferLogs: true, abortOnError: false, bodyParser: false },
  );
  app.useLogger(app.get(Logger));
  configureHttp(app);
  return app;
}

/**
 * Stops in the order that loses nothing: stop receiving and let the batch in hand finish (its
 * sales committed, reported and acknowledged), then close HTTP and the pools.
 */
export async function shutDown(app: NestFastifyApplication, timeoutMs: number): Promise<void> {
  const deadline = setTimeout(() => process.exit(1), timeoutMs);
  deadline.unref();
  await app.get(ConsumerDrain).drain(timeoutMs);
  await app.close();
  clearTimeout(deadline);
}

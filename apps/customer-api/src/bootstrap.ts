import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from '@fastify/helmet';
import { Logger } from 'nestjs-pino';
import { configureHttp, createHttpAdapter } from '@app/platform';
import { AppModule } from './app.module';
import { serveOpenApi } from './openapi';
import { CustomerApiEnvironment } from './config/environment';
import { ConsumerDrain } from '@app/messaging';

/** Bodies of POST /payments are small; anything larger is refused with 413. */
const BODY_LIMIT_BYTES = 16 * 1024;

export async function createApp(env: CustomerApiEnvironment): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(env),
    createHttpAdapter({ bodyLimit: BODY_LIMIT_BYTES }),
    // Throw start-up errors to the caller (main exits, a test fails) instead of exiting here.
    { bufferLogs: true, abortOnError: false, bodyParser: false },
  );
  app.useLogger(app.get(Logger));
  configureHttp(app);
  await app.register(helmet, {
    // The API document's UI needs inline scripts and styles; the API itself serves only JSON.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  });
  serveOpenApi(app);
  if (env.CORS_ORIGINS) {
    app.enableCors({
      origin: env.CORS_ORIGINS.split(',').map((o) => o.trim()),
      methods: ['GET', 'POST'],
    });
  }
  return app;
}

/**
 * Stops in the order that loses nothing: stop taking messages and let the batch in hand finish,
 * then close HTTP (in-flight requests complete), flush the outbox and close the pools.
 */
export async function shutDown(app: NestFastifyApplication, timeoutMs: number): Promise<void> {
  const deadline = setTimeout(() => process.exit(1), timeoutMs);
  deadline.unref();
  await app.get(ConsumerDrain).drain(timeoutMs);
  await app.close();
  clearTimeout(deadline);
}

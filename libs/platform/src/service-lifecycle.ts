import { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { ConsumerDrain } from '@app/messaging';
import { configureHttp, createHttpAdapter } from './http';
import { addSecurityHeaders, securityOptions } from './security-headers';

/**
 * A service's Nest app on Fastify: pino logs, problem+json errors, JSON-only bodies up to
 * `bodyLimit` bytes, security headers.
 */
export async function createServiceApp(
  module: DynamicModule,
  bodyLimit: number,
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    createHttpAdapter({ bodyLimit }),
    // Throw start-up errors to the caller (main exits, a test fails) instead of exiting here.
    { bufferLogs: true, abortOnError: false, bodyParser: false },
  );
  app.useLogger(app.get(Logger));
  configureHttp(app);
  // 'self' only; customer-api hashes the inline styles of its API document page on top.
  addSecurityHeaders(app.getHttpAdapter().getInstance(), securityOptions());
  return app;
}

/**
 * Stops in the order that loses nothing: stop receiving and let the batch in hand finish, then
 * close HTTP (in-flight requests complete), run the shutdown hooks (the outbox flush) and close
 * the pools. Exits the process if that takes longer than `timeoutMs`.
 */
export async function shutDownService(
  app: NestFastifyApplication,
  timeoutMs: number,
): Promise<void> {
  const deadline = setTimeout(() => process.exit(1), timeoutMs);
  deadline.unref();
  await app.get(ConsumerDrain).drain(timeoutMs);
  await app.close();
  clearTimeout(deadline);
}

export interface RunningService {
  app: NestFastifyApplication;
  port: number;
  host: string;
  shutdownTimeoutMs: number;
}

/** main(): start, listen, and shut down gracefully on SIGTERM or SIGINT. */
export function runService(name: string, start: () => Promise<RunningService>): void {
  const run = async (): Promise<void> => {
    const { app, port, host, shutdownTimeoutMs } = await start();
    await app.listen(port, host);
    const logger = app.get(Logger);
    logger.log(`${name} listening on http://${host}:${port}`);
    let stopping = false;
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        if (stopping) {
          return;
        }
        stopping = true;
        logger.log(`${signal} received; shutting down`);
        void shutDownService(app, shutdownTimeoutMs).then(() => process.exit(0));
      });
    }
  };
  run().catch((err: unknown) => {
    process.stderr.write(
      `${name} failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  });
}

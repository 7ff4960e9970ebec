import { DynamicModule } from '@nestjs/common';
import { ModuleRef, NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { shutdownTelemetry } from '@app/telemetry/start';
import { configureHttp, createHttpAdapter, type HttpOptions } from './http';
import { addSecurityHeaders, securityOptions } from './security-headers';

/**
 * A service's Nest app on Fastify: pino logs, problem+json errors, JSON-only bodies up to
 * `http.bodyLimit` bytes, proxy trust as given, security headers.
 */
export async function createServiceApp(
  module: DynamicModule,
  http: HttpOptions,
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    createHttpAdapter(http),
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
 * A step of the shutdown that publishes what the last requests committed (customer-api's
 * outbox), run after HTTP has closed and before the consumers drain. Provide it under this
 * class; a service without one skips the step.
 */
export abstract class ShutdownFlush {
  abstract flush(budgetMs: number): Promise<void>;
}

/**
 * The shutdown step that stops receiving messages and lets the batches in hand finish, run after
 * the flush and before the pools close. A service's messaging provides it under this class
 * (libs/messaging's ConsumerDrain); a service without consumers skips the step.
 */
export abstract class ConsumerShutdown {
  abstract drain(budgetMs: number): Promise<void>;
}

/**
 * Each step's share of SHUTDOWN_TIMEOUT_MS. A step ends by its own deadline (the sum of the
 * shares so far), so time one step leaves is the next one's: HTTP gets the most (a request in
 * flight may wait for a database connection), the flush one SQS call with its retries, the
 * consumers a batch in hand, and closing the pools the rest.
 */
export const SHUTDOWN_SHARES = { http: 0.4, flush: 0.2, consumers: 0.3, close: 0.1 } as const;

/** Waits for `work` until `at` (epoch ms), then goes on without it. */
async function until(at: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, at - Date.now())))),
  ]);
  clearTimeout(timer);
}

function optional<T>(app: NestFastifyApplication, token: abstract new () => T): T | undefined {
  try {
    // Through ModuleRef: the app's own get() would log the miss as an error before throwing.
    return app.get(ModuleRef).get<T>(token, { strict: false });
  } catch {
    return undefined;
  }
}

/**
 * Stops in the order that loses nothing: stop accepting and finish the HTTP requests in flight,
 * flush the outbox (what those requests committed), stop receiving and finish the batch in
 * hand, then close the pools; each step within its share of `timeoutMs`
 * (SHUTDOWN_SHARES), whatever is black-holed. Exits the process if that takes longer.
 */
export async function shutDownService(
  app: NestFastifyApplication,
  timeoutMs: number,
): Promise<void> {
  const deadline = setTimeout(() => process.exit(1), timeoutMs);
  deadline.unref();
  const start = Date.now();
  let share = 0;
  const next = (step: keyof typeof SHUTDOWN_SHARES): number =>
    start + timeoutMs * (share += SHUTDOWN_SHARES[step]);

  const httpDone = next('http');
  const fastify = app.getHttpAdapter().getInstance();
  // Refuses new requests (503) and waits for those in flight; past the share, cut them.
  await until(httpDone, fastify.close());
  fastify.server.closeAllConnections();

  const flushDone = next('flush');
  const flush = optional(app, ShutdownFlush);
  if (flush) {
    await until(flushDone, flush.flush(flushDone - Date.now()));
  }

  const consumersDone = next('consumers');
  const consumers = optional(app, ConsumerShutdown);
  if (consumers) {
    await consumers.drain(Math.max(0, consumersDone - Date.now()));
  }

  await until(next('close'), app.close());
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
        void shutDownService(app, shutdownTimeoutMs)
          .then(() => shutdownTelemetry()) // TELEMETRY HOOK: export the last spans
          .then(() => process.exit(0));
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

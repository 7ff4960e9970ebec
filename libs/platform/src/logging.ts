import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import pino, { type DestinationStream } from 'pino';
import type { DynamicModule } from '@nestjs/common';
import { traceLogMixin } from '@app/telemetry/trace-context';

export interface LoggingOptions {
  level: string;
  format: 'json' | 'pretty';
  service: string;
  /** Where lines go; stdout by default. */
  destination?: DestinationStream;
}

/**
 * Structured logs through pino: JSON lines in production, pretty under `npm start`. Each HTTP
 * request's log line carries its id (the correlationId); secrets in headers are redacted.
 */
export function loggingModule({
  level,
  format,
  service,
  destination,
}: LoggingOptions): DynamicModule {
  const options = {
    level,
    base: { service },
    // TELEMETRY HOOK: trace_id/span_id beside the correlationId while a span is active.
    ...traceLogMixin(),
    transport:
      format === 'pretty'
        ? {
            target: 'pino-pretty',
            options: {
              singleLine: true,
              translateTime: 'SYS:HH:MM:ss.l',
              ignore: 'pid,hostname',
            },
          }
        : undefined,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
      censor: '[redacted]',
    },
    // Fastify sets the id (from X-Request-Id or a new UUID) on the raw request first.
    genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id?: string }).id ?? '-',
    customProps: (req: IncomingMessage) => ({
      correlationId: (req as IncomingMessage & { id?: string }).id,
    }),
    serializers: {
      req: (req: { method: string; url: string; id: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    // The request lines are written at info: above it (the bench's and a quiet production's
    // warn) pino-http would still build a child logger and bind listeners for each request.
    autoLogging:
      pino.levels.values[level] > pino.levels.values.info
        ? false
        : {
            ignore: (req: IncomingMessage) =>
              (req.url ?? '').startsWith('/health') || req.url === '/metrics',
          },
  };
  return LoggerModule.forRoot({ pinoHttp: destination ? [options, destination] : options });
}

import type { IncomingMessage } from 'node:http';
import { markTracingOn, tracingRequested } from './switch';

interface Started {
  shutdown(): Promise<void>;
}

let sdk: Started | undefined;

/** Probes and scrapes: a span each would bury the payments' traces. */
const UNTRACED_PATHS = /^\/(health\/|metrics(\?|$))/;

/**
 * Starts the OpenTelemetry SDK when the OTEL_* variables ask for it (see `tracingRequested`),
 * before the modules it instruments (http, mysql2) are loaded: each app's `tracing.ts`, imported
 * first by its main.ts, calls it. Off, it requires nothing but this file.
 *
 * Exporter, protocol (`http/protobuf`, `http/json`; `grpc` too), endpoint, headers, resource
 * and batch settings come from the standard variables as @opentelemetry/sdk-node reads them;
 * OTEL_SERVICE_NAME defaults to the app's name. SQS spans are this library's own (messaging.ts):
 * messaging.ts says why the AWS SDK instrumentation is not used.
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (sdk || !tracingRequested(env)) {
    return false;
  }
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  const { NodeSDK, tracing } =
    require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { MySQL2Instrumentation } =
    require('@opentelemetry/instrumentation-mysql2') as typeof import('@opentelemetry/instrumentation-mysql2');
  const { NoOrphanClientSpans, samplerFromEnv } =
    require('./sampler') as typeof import('./sampler');
  /* eslint-enable @typescript-eslint/no-require-imports */
  // Traces only: metrics stay Prometheus on /metrics and logs pino on stdout, unless these
  // variables ask the SDK for its own (sdk-node would otherwise push both over OTLP).
  process.env.OTEL_METRICS_EXPORTER ??= env.OTEL_METRICS_EXPORTER ?? 'none';
  process.env.OTEL_LOGS_EXPORTER ??= env.OTEL_LOGS_EXPORTER ?? 'none';
  const started = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() || serviceName,
    sampler: new NoOrphanClientSpans(samplerFromEnv(tracing, env)),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED_PATHS.test(req.url ?? ''),
        // SQS calls (the SDK speaks HTTP) are spans only inside a payment's trace.
        requireParentforOutgoingSpans: true,
      }),
      new MySQL2Instrumentation(),
    ],
  });
  started.start();
  sdk = started;
  markTracingOn();
  return true;
}

/** Exports what is buffered; part of the graceful shutdown. Never throws. */
export async function shutdownTelemetry(): Promise<void> {
  const started = sdk;
  sdk = undefined;
  await started?.shutdown().catch(() => undefined);
}

// TELEMETRY HOOK: imported first by main.ts, so the OpenTelemetry SDK (when the OTEL_* variables
// turn it on) patches http and mysql2 before anything loads them.
import { startTelemetry } from '@app/telemetry/start';

startTelemetry('sales-worker');

/**
 * Whether tracing is on, decided from the standard OpenTelemetry variables only. Off unless an
 * exporter is named: OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off; an OTLP
 * endpoint (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or an explicit
 * OTEL_TRACES_EXPORTER turns it on. So an image with no OTEL_* variables exports nothing and
 * loads no SDK.
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') {
    return false;
  }
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').trim().toLowerCase();
  if (exporters === 'none') {
    return false;
  }
  return (
    exporters !== '' ||
    Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()) ||
    Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim())
  );
}

let on = false;

/** True once the SDK has started in this process; every helper is a pass-through until then. */
export function tracingOn(): boolean {
  return on;
}

export function markTracingOn(): void {
  on = true;
}

import {
  Context,
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  trace,
} from '@opentelemetry/api';
import { tracingOn } from './switch';

/** The W3C trace context of the active span, as stored with an outbox row. */
export interface TraceColumns {
  traceParent: string | null;
  traceState: string | null;
}

const NONE: TraceColumns = { traceParent: null, traceState: null };

/** `traceparent`/`tracestate` of a context (the active one by default): never baggage. */
export function activeTraceHeaders(of: Context = context.active()): {
  traceparent?: string;
  tracestate?: string;
} {
  const carrier: Record<string, string> = {};
  propagation.inject(of, carrier);
  return { traceparent: carrier.traceparent, tracestate: carrier.tracestate };
}

/** What an outbox row stores so the relay's publish continues this request's trace. */
export function currentTraceColumns(): TraceColumns {
  if (!tracingOn()) {
    return NONE;
  }
  const { traceparent, tracestate } = activeTraceHeaders();
  // The columns' widths; W3C lets a carrier drop a tracestate it cannot keep whole.
  return {
    traceParent: traceparent && traceparent.length <= 128 ? traceparent : null,
    traceState: traceparent && tracestate && tracestate.length <= 512 ? tracestate : null,
  };
}

/** `trace_id`/`span_id` for a log line written while a span is active; nothing otherwise. */
export function traceLogFields(): Record<string, string> {
  if (!tracingOn()) {
    return {};
  }
  const span = trace.getActiveSpan()?.spanContext();
  return span && isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}

/** pino's `mixin` option: set only when tracing is on, so logging costs nothing extra off. */
export function traceLogMixin(): { mixin?: () => Record<string, string> } {
  return tracingOn() ? { mixin: traceLogFields } : {};
}

/**
 * Runs background work started from inside a request (the outbox relay woken by a commit) in no
 * trace: its queries belong to no one request, and each message it publishes continues the trace
 * stored with its own row.
 */
export function outsideAnyTrace<T>(work: () => T): T {
  return tracingOn() ? context.with(ROOT_CONTEXT, work) : work();
}

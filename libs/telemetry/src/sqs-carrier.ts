import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import {
  Context,
  Link,
  propagation,
  ROOT_CONTEXT,
  Span,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { activeTraceHeaders } from './trace-context';
import { tracingOn } from './switch';

/**
 * The W3C trace context carried in two SQS message attributes (`traceparent`, `tracestate`):
 * the contract's three plus these, plus the three a dead-lettered copy gains, stay within SQS's
 * limit of ten.
 */
export type Attributes = Record<string, MessageAttributeValue>;

export const TRACE_ATTRIBUTES = { parent: 'traceparent', state: 'tracestate' } as const;
/** A redriven message's original `traceparent`: its processing links to it, as a new trace. */
export const ORIGIN_ATTRIBUTE = 'traceorigin';

export const tracer = () => trace.getTracer('@app/telemetry');

export function queueNameOf(queueUrl: string): string {
  return queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
}

export function stringAttribute(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value };
}

export function withHeaders(
  attributes: Attributes,
  headers: { traceparent?: string; tracestate?: string },
): Attributes {
  const out = { ...attributes };
  delete out[TRACE_ATTRIBUTES.parent];
  delete out[TRACE_ATTRIBUTES.state];
  if (headers.traceparent) {
    out[TRACE_ATTRIBUTES.parent] = stringAttribute(headers.traceparent);
    if (headers.tracestate) {
      out[TRACE_ATTRIBUTES.state] = stringAttribute(headers.tracestate);
    }
  }
  return out;
}

/** The outbox row's stored trace context, put on its message (the relay's hook). */
export function withTraceAttributes(
  attributes: Attributes,
  traceParent: string | null | undefined,
  traceState: string | null | undefined,
): Attributes {
  if (!traceParent) {
    return attributes;
  }
  return withHeaders(attributes, { traceparent: traceParent, tracestate: traceState ?? undefined });
}

/**
 * A context (the active span's by default) on a message about to be sent: a status report
 * carries the context of the message it reports on.
 */
export function injectAttributes(attributes: Attributes, of?: Context): Attributes {
  return tracingOn() ? withHeaders(attributes, activeTraceHeaders(of)) : attributes;
}

/** For a message moved back from its DLQ: keeps the original trace as a link, not a parent. */
export function markRedriven(attributes: Attributes): Attributes {
  const original = attributes[TRACE_ATTRIBUTES.parent]?.StringValue;
  if (!original) {
    return attributes;
  }
  const out = withHeaders(attributes, {});
  out[ORIGIN_ATTRIBUTE] = stringAttribute(original);
  return out;
}

export function contextFrom(attributes: Attributes | undefined, key: string): Context {
  const value = attributes?.[key]?.StringValue;
  if (!value) {
    return ROOT_CONTEXT;
  }
  const state = key === TRACE_ATTRIBUTES.parent ? attributes?.[TRACE_ATTRIBUTES.state] : undefined;
  return propagation.extract(ROOT_CONTEXT, {
    traceparent: value,
    ...(state?.StringValue ? { tracestate: state.StringValue } : {}),
  });
}

export function linkTo(ctx: Context, messageId?: string): Link[] {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext
    ? [{ context: spanContext, attributes: messageId ? { 'messaging.message.id': messageId } : {} }]
    : [];
}

export function baseAttributes(queueName: string, operation: 'send' | 'create' | 'process') {
  return {
    'messaging.system': 'aws_sqs',
    'messaging.destination.name': queueName,
    'messaging.operation.name': operation,
    'messaging.operation.type': operation,
  };
}

export function conversationOf(attributes: Attributes | undefined): Record<string, string> {
  const id = attributes?.correlationId?.StringValue;
  return id ? { 'messaging.message.conversation_id': id } : {};
}

export function fail(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : new Error(String(err)));
  span.setStatus({ code: SpanStatusCode.ERROR });
}

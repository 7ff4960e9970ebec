import type { Message } from '@aws-sdk/client-sqs';
import { Context, context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import {
  Attributes,
  baseAttributes,
  contextFrom,
  conversationOf,
  fail,
  linkTo,
  ORIGIN_ATTRIBUTE,
  queueNameOf,
  tracer,
  TRACE_ATTRIBUTES,
  withHeaders,
} from './sqs-carrier';
import { tracingOn } from './switch';

/**
 * SQS spans after the OpenTelemetry messaging semantic conventions; the context
 * travels in message attributes (sqs-carrier.ts).
 *
 * Our own rather than @opentelemetry/instrumentation-aws-sdk's: that one injects the context of
 * its single SendMessageBatch span into every entry (each payment's trace is lost in the relay's
 * batch) and gives a received batch one span, not one per message.
 */

export interface SendEntry {
  id: string;
  message: { body: string; attributes: Attributes };
}

export interface SendOutcome {
  Successful?: { Id?: string; MessageId?: string }[];
  Failed?: { Id?: string; Code?: string; Message?: string }[];
}

export interface TracedSend<E extends SendEntry> {
  /** The entries with each one's producer context in its attributes. */
  entries: E[];
  /** Runs the SendMessageBatch call inside the send span. */
  run<T>(send: () => Promise<T>): Promise<T>;
  /** Ends the spans with SendMessageBatch's answer. */
  sent(outcome: SendOutcome): void;
  /** Ends the spans of a call that threw. */
  failed(err: unknown): void;
}

/**
 * Spans for one SendMessageBatch call. One entry: a `send` PRODUCER span, a child of the
 * entry's own context (the outbox row's, or the active one). Several: a `create` span for each
 * entry (a child of its context, and the context the message carries) and one `send` CLIENT span
 * for the call, linked to each create span, with `messaging.batch.message_count`.
 */
export function traceSend<E extends SendEntry>(queueUrl: string, entries: E[]): TracedSend<E> {
  if (!tracingOn() || entries.length === 0) {
    return { entries, run: (send) => send(), sent: () => undefined, failed: () => undefined };
  }
  const queue = queueNameOf(queueUrl);
  const single = entries.length === 1;
  const perMessage = entries.map((entry) => {
    const parent = contextFrom(entry.message.attributes, TRACE_ATTRIBUTES.parent);
    const span = tracer().startSpan(
      `${single ? 'send' : 'create'} ${queue}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          ...baseAttributes(queue, single ? 'send' : 'create'),
          ...conversationOf(entry.message.attributes),
          'messaging.message.body.size': Buffer.byteLength(entry.message.body),
        },
      },
      parent,
    );
    const headers: Record<string, string> = {};
    propagation.inject(trace.setSpan(ROOT_CONTEXT, span), headers);
    const traced = {
      ...entry,
      message: { ...entry.message, attributes: withHeaders(entry.message.attributes, headers) },
    };
    return { span, entry: traced };
  });
  const batchSpan = single
    ? perMessage[0].span
    : tracer().startSpan(
        `send ${queue}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            ...baseAttributes(queue, 'send'),
            'messaging.batch.message_count': entries.length,
          },
          links: perMessage.map(({ span }) => ({ context: span.spanContext() })),
        },
        ROOT_CONTEXT,
      );
  const end = (messageIds: Map<string, string>, failed: Map<string, unknown>): void => {
    for (const { span, entry } of perMessage) {
      const messageId = messageIds.get(entry.id);
      if (messageId) {
        span.setAttribute('messaging.message.id', messageId);
      }
      if (failed.has(entry.id)) {
        fail(span, failed.get(entry.id));
      }
      span.end();
    }
    if (!single) {
      if (failed.size > 0) {
        fail(batchSpan, new Error(`${failed.size} of ${entries.length} not accepted by SQS`));
      }
      batchSpan.end();
    }
  };
  return {
    entries: perMessage.map(({ entry }) => entry),
    run: (send) => context.with(trace.setSpan(context.active(), batchSpan), send),
    sent: ({ Successful = [], Failed = [] }) =>
      end(
        new Map(Successful.map((s) => [s.Id ?? '', s.MessageId ?? ''])),
        new Map(Failed.map((f) => [f.Id ?? '', new Error(`${f.Code}: ${f.Message ?? ''}`)])),
      ),
    failed: (err) => end(new Map(), new Map(entries.map((e) => [e.id, err]))),
  };
}

function receiveCountOf(message: Message): number {
  const count = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
  return Number.isFinite(count) && count > 0 ? count : 1;
}

/** The processing of one received message: its context, and the end of its span. */
export interface ProcessSpan {
  /** The span's context, for the work done for this message and what it sends; none when off. */
  readonly context?: Context;
  end(error?: unknown): void;
}

const UNTRACED: ProcessSpan = { end: () => undefined };

/**
 * Starts the `process` CONSUMER span of one received message, ended with its outcome. On its
 * first delivery the span continues the sender's trace (a child of the context the message
 * carries); redelivered (ApproximateReceiveCount > 1) or redriven from a DLQ, it starts a new
 * trace linked to the original one, so a retry never stretches the first trace over hours.
 */
export function startProcessSpan(queueUrl: string, message: Message): ProcessSpan {
  if (!tracingOn()) {
    return UNTRACED;
  }
  const queue = queueNameOf(queueUrl);
  const attributes = message.MessageAttributes;
  const redriven = Boolean(attributes?.[ORIGIN_ATTRIBUTE]) || Boolean(attributes?.failureCode);
  const sent = contextFrom(attributes, redriven ? ORIGIN_ATTRIBUTE : TRACE_ATTRIBUTES.parent);
  const deliveries = receiveCountOf(message);
  const continues = !redriven && deliveries === 1;
  const span = tracer().startSpan(
    `process ${queue}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...baseAttributes(queue, 'process'),
        ...conversationOf(attributes),
        'messaging.message.id': message.MessageId ?? '',
        'messaging.message.body.size': Buffer.byteLength(message.Body ?? ''),
        'aws.sqs.approximate_receive_count': deliveries,
        ...(redriven ? { 'aws.sqs.redriven': true } : {}),
      },
      links: continues ? [] : linkTo(sent, message.MessageId),
    },
    continues ? sent : ROOT_CONTEXT,
  );
  let ended = false;
  return {
    context: trace.setSpan(ROOT_CONTEXT, span),
    end: (error) => {
      if (ended) {
        return;
      }
      ended = true;
      if (error !== undefined) {
        fail(span, error);
      }
      span.end();
    },
  };
}

/** Runs `work` in a message's context (its log lines, queries and sends join its trace). */
export function inContext<T>(of: Context | undefined, work: () => T): T {
  return of ? context.with(of, work) : work();
}

/**
 * The batch a consumer received, as one `process` span linked to each message's context (the
 * per-message spans are in their own traces); a batch of one needs none.
 */
export async function traceBatch<T>(
  queueUrl: string,
  messages: readonly Message[],
  work: () => Promise<T>,
): Promise<T> {
  if (!tracingOn() || messages.length < 2) {
    return work();
  }
  const queue = queueNameOf(queueUrl);
  const span = tracer().startSpan(
    `process ${queue}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...baseAttributes(queue, 'process'),
        'messaging.batch.message_count': messages.length,
      },
      links: messages.flatMap((m) =>
        linkTo(contextFrom(m.MessageAttributes, TRACE_ATTRIBUTES.parent), m.MessageId),
      ),
    },
    ROOT_CONTEXT,
  );
  try {
    return await context.with(trace.setSpan(ROOT_CONTEXT, span), work);
  } finally {
    span.end();
  }
}

/**
 * An OTLP/HTTP trace receiver for tests: takes `POST /v1/traces` as protobuf
 * (`application/x-protobuf`) or JSON (`application/json`), decodes what arrives and keeps every
 * span with its service's name. The protobuf schema below is the part of
 * opentelemetry-proto (collector/trace/v1, trace/v1, common/v1, resource/v1) that spans need,
 * with the same field numbers; protobufjs decodes it.
 */
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'protobufjs';

const OTLP_TRACE_PROTO = `
syntax = "proto3";
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message InstrumentationScope { string name = 1; string version = 2; }
message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; }
message Status { string message = 2; int32 code = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; repeated Link links = 13; Status status = 15;
}
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
`;

const REQUEST = parse(OTLP_TRACE_PROTO, { keepCase: false }).root.lookupType(
  'ExportTraceServiceRequest',
);

/** OTLP span kinds: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
export const KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

export type AttributeValue = string | number | boolean;

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, AttributeValue>;
  links: { traceId: string; spanId: string; attributes: Record<string, AttributeValue> }[];
  /** How it arrived: the exporter's protocol. */
  protocol: 'protobuf' | 'json';
}

interface RawKeyValue {
  key: string;
  value?: Record<string, unknown>;
}

function attributesOf(list: RawKeyValue[] | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const { key, value = {} } of list ?? []) {
    const v = value.stringValue ?? value.boolValue ?? value.intValue ?? value.doubleValue;
    if (v !== undefined) {
      out[key] = typeof v === 'string' && 'intValue' in value ? Number(v) : (v as AttributeValue);
    }
  }
  return out;
}

/** Protobuf bytes arrive as base64 (toObject's `bytes: String`), JSON ids as hex already. */
function hexOf(value: unknown, protocol: ReceivedSpan['protocol']): string {
  if (typeof value !== 'string' || value === '') {
    return '';
  }
  return protocol === 'json' ? value.toLowerCase() : Buffer.from(value, 'base64').toString('hex');
}

interface RawSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  attributes?: RawKeyValue[];
  links?: { traceId?: string; spanId?: string; attributes?: RawKeyValue[] }[];
}

interface RawRequest {
  resourceSpans?: {
    resource?: { attributes?: RawKeyValue[] };
    scopeSpans?: { spans?: RawSpan[] }[];
  }[];
}

export function decodeExport(body: Buffer, contentType: string): ReceivedSpan[] {
  const protocol = contentType.includes('json') ? 'json' : 'protobuf';
  const request = (
    protocol === 'json'
      ? JSON.parse(body.toString('utf8'))
      : REQUEST.toObject(REQUEST.decode(body), { longs: String, bytes: String, defaults: false })
  ) as RawRequest;
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name']);
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        spans.push({
          service,
          traceId: hexOf(span.traceId, protocol),
          spanId: hexOf(span.spanId, protocol),
          parentSpanId: hexOf(span.parentSpanId, protocol),
          name: span.name,
          kind: Number(span.kind ?? 0),
          attributes: attributesOf(span.attributes),
          links: (span.links ?? []).map((link) => ({
            traceId: hexOf(link.traceId, protocol),
            spanId: hexOf(link.spanId, protocol),
            attributes: attributesOf(link.attributes),
          })),
          protocol,
        });
      }
    }
  }
  return spans;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly errors: string[] = [];
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void bodyOf(req).then((body) => {
        try {
          if (req.method !== 'POST' || req.url !== '/v1/traces') {
            throw new Error(`unexpected ${req.method} ${req.url}`);
          }
          this.spans.push(...decodeExport(body, req.headers['content-type'] ?? ''));
          const json = (req.headers['content-type'] ?? '').includes('json');
          res.writeHead(200, {
            'content-type': json ? 'application/json' : 'application/x-protobuf',
          });
          res.end(json ? '{}' : undefined);
        } catch (err) {
          this.errors.push(String(err));
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  /** Waits until `found` answers something for the spans received so far. */
  async waitFor<T>(
    found: (spans: ReceivedSpan[]) => T | undefined,
    timeoutMs = 20_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = found(this.spans);
      if (result !== undefined) {
        return result;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `spans not received in ${timeoutMs} ms; have: ${this.spans.map((s) => `${s.service}:${s.name}`).join(', ')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
  components?: unknown;
}

export interface RecordedResponse {
  method: string;
  /** The route as Fastify knows it, e.g. `/payments/:requestId`. */
  route: string;
  status: number;
  contentType: string;
  body: string;
}

function toOpenApiPath(route: string): string {
  return route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(rewriteRefs);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string'
          ? v.replace(/^#\//, 'openapi.json#/')
          : rewriteRefs(v),
      ]),
    );
  }
  return value;
}

/**
 * Checks real responses against the OpenAPI document they claim to follow: the operation and
 * status must be documented, with that content type, and the body must match its schema.
 */
export class OpenApiResponseValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: 'openapi.json', components: rewriteRefs(document.components ?? {}) });
  }

  /** The problems with one response; empty when it matches the document. */
  check(response: RecordedResponse): string[] {
    const where = `${response.method} ${response.route} → ${response.status}`;
    const operation =
      this.document.paths[toOpenApiPath(response.route)]?.[response.method.toLowerCase()];
    if (!operation) {
      return [`${where}: operation not documented`];
    }
    const documented = operation.responses[String(response.status)];
    if (!documented) {
      return [`${where}: status not documented`];
    }
    const mediaType = response.contentType.split(';')[0].trim();
    const content = documented.content?.[mediaType];
    if (!content) {
      return documented.content ? [`${where}: content type ${mediaType} not documented`] : [];
    }
    const key = `${where} ${mediaType}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(rewriteRefs(content.schema) as object);
      this.compiled.set(key, validate);
    }
    const isJson = /[/+]json$/.test(mediaType);
    const body: unknown =
      isJson && response.body !== '' ? JSON.parse(response.body) : response.body;
    return validate(body) ? [] : [`${where}: ${this.ajv.errorsText(validate.errors)}`];
  }
}

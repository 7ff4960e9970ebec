import { isJsonMediaType, isValidIdempotencyKey, isValidPaymentText } from './oracle';
import type { RawRequest } from './raw-http';

/** One bad request and what its answer must name. */
export interface Attempt {
  /** Where it comes from: a table row's name or a property's. */
  source: string;
  request: RawRequest;
  /** A 400 must name this field in its `errors`. */
  field?: string;
}

/** A payment the API would accept: every attempt breaks it somewhere. */
export const VALID = { customerId: 'fuzz-1', policyId: 'pol-1', amount: 12500, currency: 'USD' };

export const JSON_TYPE: [string, string] = ['Content-Type', 'application/json'];

export function post(
  source: string,
  body: Buffer | string | undefined,
  headers: [string, string | Buffer][] = [JSON_TYPE],
  field?: string,
): Attempt {
  return {
    source,
    request: {
      method: 'POST',
      path: '/payments',
      headers,
      body: body === undefined ? undefined : Buffer.from(body),
    },
    field,
  };
}

function header(request: RawRequest, name: string): (string | Buffer)[] {
  return request.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
}

/**
 * True when the API should accept the request: a POST /payments with one JSON content type, a
 * valid body and no or one valid Idempotency-Key. The fuzzer drops those it generates by chance,
 * and the table must hold none.
 */
export function isAcceptable({ request }: Attempt): boolean {
  const types = header(request, 'content-type');
  const keys = header(request, 'idempotency-key');
  return (
    request.method === 'POST' &&
    request.path === '/payments' &&
    (request.framing ?? 'content-length') === 'content-length' &&
    types.length === 1 &&
    isJsonMediaType(Buffer.from(types[0]).toString('latin1')) &&
    request.body !== undefined &&
    isValidPaymentText(request.body) &&
    keys.length <= 1 &&
    keys.every((key) => isValidIdempotencyKey(Buffer.from(key)))
  );
}

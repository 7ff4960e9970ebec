import { STATUS_CODES } from 'node:http';
import type { ErrorKind, FieldError } from './errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem details, as every error of both services is answered. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code?: string;
  errors?: FieldError[];
}

export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  'not-found': 404,
  conflict: 409,
  unprocessable: 422,
  'rate-limited': 429,
  unavailable: 503,
};

const SLUG_OF_STATUS: Record<number, string> = {
  400: 'invalid-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  408: 'request-timeout',
  409: 'conflict',
  413: 'payload-too-large',
  414: 'uri-too-long',
  415: 'unsupported-media-type',
  422: 'unprocessable-content',
  429: 'rate-limited',
  431: 'request-header-fields-too-large',
  500: 'internal-error',
  503: 'service-unavailable',
};

/** Problem type URIs: `urn:problem:<slug>`, documented in the OpenAPI document. */
export function problemType(status: number): string {
  return `urn:problem:${SLUG_OF_STATUS[status] ?? (status >= 500 ? 'internal-error' : 'invalid-request')}`;
}

export function problem(
  status: number,
  detail: string,
  extra: { code?: string; errors?: FieldError[] } = {},
): ProblemDetails {
  // A 400 always names what was wrong; a body that could not be parsed is wrong as a whole.
  const errors =
    status === 400 && !extra.errors?.length ? [{ field: 'body', message: detail }] : extra.errors;
  return {
    type: problemType(status),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    ...(extra.code ? { code: extra.code } : {}),
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

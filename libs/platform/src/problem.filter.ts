import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApplicationError, DependencyUnavailableError } from './errors';
import { isTransientDatabaseError } from './database-errors';
import { problem, PROBLEM_CONTENT_TYPE, ProblemDetails, STATUS_OF_KIND } from './problem';

export interface ProblemAnswer {
  body: ProblemDetails;
  retryAfterSeconds?: number;
}

/**
 * The one table of requests refused before a handler runs, by error code: the status, what the
 * client is told, and for a 400 the part of the request at fault when it is not the body.
 * Fastify's own errors (body parsing, limits, URLs) reach toProblem; those of Node's HTTP parser
 * (llhttp's `HPE_*`, the request timeout) reach http.ts's clientError answer.
 */
export const REQUEST_ERRORS: Record<string, [number, string, string?]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'the request body is larger than this endpoint accepts'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'the request body must be application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'Content-Length does not match the body'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'the request body is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'the request body is not valid JSON'],
  FST_ERR_CTP_EMPTY_TYPE: [415, 'the request has a body but no Content-Type'],
  FST_ERR_CTP_INVALID_TYPE: [415, 'the Content-Type header is not valid'],
  FST_ERR_BAD_URL: [400, 'the URL holds a malformed percent-encoding', 'url'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'a path parameter is longer than this service accepts'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request did not arrive in time'],
  HPE_HEADER_OVERFLOW: [431, 'the request headers are larger than this service accepts'],
  HPE_INVALID_CONTENT_LENGTH: [400, 'the Content-Length header is not a length', 'Content-Length'],
  HPE_UNEXPECTED_CONTENT_LENGTH: [
    400,
    'Content-Length cannot be sent with Transfer-Encoding',
    'Content-Length',
  ],
  HPE_INVALID_TRANSFER_ENCODING: [400, 'the Transfer-Encoding is not valid', 'Transfer-Encoding'],
  HPE_INVALID_CHUNK_SIZE: [400, 'the chunked body is malformed', 'body'],
};

function requestErrorAnswer(err: unknown): ProblemAnswer | undefined {
  if (typeof err !== 'object' || err === null) {
    return undefined;
  }
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'string' && code in REQUEST_ERRORS) {
    const [status, detail, field] = REQUEST_ERRORS[code];
    return {
      body: problem(status, detail, field ? { errors: [{ field, message: detail }] } : {}),
    };
  }
  // secure-json-parse and JSON.parse report bad bodies as a SyntaxError with status 400.
  if (err instanceof SyntaxError && statusCode === 400) {
    return { body: problem(400, `the request body is not valid JSON: ${err.message}`) };
  }
  return undefined;
}

/**
 * Turns any error into an RFC 9457 answer, the same for Nest's handlers and for Fastify's own
 * errors (body parsing happens before Nest sees the request). Unknown errors become a bare 500;
 * their details go to the log only.
 */
export function toProblem(err: unknown, logger: Logger): ProblemAnswer {
  if (err instanceof ApplicationError) {
    return {
      body: problem(STATUS_OF_KIND[err.kind], err.message, {
        code: err.code,
        errors: err.fieldErrors,
      }),
      retryAfterSeconds: err.retryAfterSeconds,
    };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    const detail =
      typeof response === 'string'
        ? response
        : typeof (response as { message?: unknown }).message === 'string'
          ? (response as { message: string }).message
          : err.message;
    return { body: problem(status, detail) };
  }
  const refused = requestErrorAnswer(err);
  if (refused) {
    return refused;
  }
  if (isTransientDatabaseError(err)) {
    const unavailable = new DependencyUnavailableError();
    logger.warn({ err }, 'database unavailable');
    return {
      body: problem(503, unavailable.message, { code: unavailable.code }),
      retryAfterSeconds: unavailable.retryAfterSeconds,
    };
  }
  logger.error({ err }, 'unhandled error');
  return { body: problem(500, 'an unexpected error occurred') };
}

export function sendProblem(reply: FastifyReply, answer: ProblemAnswer): void {
  if (answer.body.status === 401) {
    void reply.header('WWW-Authenticate', 'Bearer');
  }
  if (answer.retryAfterSeconds !== undefined) {
    void reply.header('Retry-After', String(answer.retryAfterSeconds));
  }
  void reply.status(answer.body.status).type(PROBLEM_CONTENT_TYPE).send(answer.body);
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemFilter.name);

  catch(err: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const answer = toProblem(err, this.logger);
    if (answer.body.status >= 500) {
      this.logger.debug?.(`${request.method} ${request.url} -> ${answer.body.status}`);
    }
    sendProblem(reply, answer);
  }
}

import { type INestApplication, Logger } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ConnectionError, FastifyError, FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { problem, PROBLEM_CONTENT_TYPE } from './problem';
import { REQUEST_ERRORS, sendProblem, toProblem } from './problem.filter';
import { nameServerSpan } from '@app/telemetry/http';

export interface HttpOptions {
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /**
   * Addresses or CIDRs of the proxies whose X-Forwarded-For is believed (Fastify's trustProxy):
   * `request.ip` is then the nearest address in the header that is not one of them. Empty: the
   * header is ignored and `request.ip` is the TCP peer.
   */
  trustedProxies?: string[];
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const logger = new Logger('Http');

const BAD_HTTP: [number, string, string] = [400, 'the request is not valid HTTP/1.1', 'request'];

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * A header Node's parser refused: when the fault is in a value, the 400 names that header (an
 * Idempotency-Key holding a control character is a bad Idempotency-Key); otherwise `headers`.
 * The parser reports where it stopped in the bytes it was reading.
 */
function badHeaderAnswer(err: ConnectionError): [number, string, string] {
  const packet = err.rawPacket as unknown;
  const raw = Buffer.isBuffer(packet)
    ? packet
    : Buffer.from((packet as { data?: number[] } | undefined)?.data ?? []);
  const upTo = Math.min(err.bytesParsed, raw.length);
  const line = raw.subarray(raw.lastIndexOf('\n', upTo - 1) + 1, upTo).toString('latin1');
  const name = line.slice(0, Math.max(line.indexOf(':'), 0));
  return HEADER_NAME.test(name)
    ? [400, `the ${name} header holds characters HTTP does not allow`, name]
    : [400, 'a header name or line is malformed', 'headers'];
}

/**
 * Answers a request Node's parser refused (`clientError`): there is no request or reply object,
 * so the whole HTTP/1.1 response is written to the socket, which is then closed, as Node's own
 * handler does, but as problem+json. Nothing is written once an answer on this connection has
 * begun: that would corrupt it.
 */
function answerClientError(err: ConnectionError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) {
    return;
  }
  const [status, detail, field] =
    err.code === 'HPE_INVALID_HEADER_TOKEN'
      ? badHeaderAnswer(err)
      : (REQUEST_ERRORS[err.code] ?? BAD_HTTP);
  logger.debug?.(`refused a malformed request (${err.code}): ${status}`);
  const pending = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
  if (socket.writable && !pending?.headersSent) {
    const body = JSON.stringify(
      problem(status, detail, field ? { errors: [{ field, message: detail }] } : {}),
    );
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * The Fastify adapter both services use: a body limit, a request id taken from `X-Request-Id`
 * when it is well formed (it becomes the correlationId), proxy trust only for the given proxies, and
 * problem+json for the errors Fastify and Node answer themselves (malformed requests, bad URLs,
 * the 503 while closing: see configureHttp).
 */
export function createHttpAdapter({ bodyLimit, trustedProxies = [] }: HttpOptions): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit,
    trustProxy: trustedProxies.length > 0 ? trustedProxies : false,
    // The JSON parser rejects `__proto__` and `constructor.prototype` keys outright.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      // pino-http reads the same id from the raw request, so log lines and answers agree.
      (req as IncomingMessage & { id?: string }).id = id;
      return id;
    },
    // Bad percent-encoding, an over-long path parameter: answered before any route or hook.
    frameworkErrors: (err: FastifyError, _request: unknown, reply: FastifyReply) =>
      sendProblem(reply, toProblem(err, logger)),
    clientErrorHandler: answerClientError,
    // Fastify's own 503 while closing is plain JSON without Retry-After: see configureHttp.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    logger: false,
  });
}

/** How long a client refused during shutdown should wait: another instance takes over. */
const SHUTTING_DOWN_RETRY_AFTER_SECONDS = 1;

/**
 * Only `application/json` bodies are parsed: Fastify also takes text/plain by default (and Nest
 * adds form bodies unless created with `bodyParser: false`). Fastify's own errors (body too
 * large, bad JSON) reach the ProblemFilter through Nest.
 *
 * Once the server starts closing, requests still arriving on open connections are refused with
 * a problem+json 503, `Retry-After` and `Connection: close`, before any guard or handler runs;
 * requests already in flight finish.
 */
export function configureHttp(app: INestApplication): void {
  const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', async (request, reply) => {
    nameServerSpan(request.method, request.routeOptions.url); // TELEMETRY HOOK
    if (!closing) {
      return;
    }
    void reply.header('Connection', 'close');
    sendProblem(reply, {
      body: problem(503, 'this instance is shutting down; retry the request', {
        code: 'SHUTTING_DOWN',
      }),
      retryAfterSeconds: SHUTTING_DOWN_RETRY_AFTER_SECONDS,
    });
    return reply;
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
  });
}

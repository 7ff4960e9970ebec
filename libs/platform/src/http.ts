import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface HttpOptions {
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The Fastify adapter both services use: a body limit, a request id taken from `X-Request-Id`
 * when it is well formed (it becomes the correlationId), and no proxy trust by default.
 */
export function createHttpAdapter({ bodyLimit }: HttpOptions): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit,
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
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    logger: false,
  });
}

/**
 * Only `application/json` bodies are parsed: Fastify also takes text/plain by default (and Nest
 * adds form bodies unless created with `bodyParser: false`). Fastify's own errors (body too
 * large, bad JSON) reach the ProblemFilter through Nest.
 */
export function configureHttp(app: INestApplication): void {
  const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
  });
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { HelmetOptions } from 'helmet';

type CspDirectives = Record<string, string[]>;

/**
 * The Content-Security-Policy of every answer: the services' own origin and nothing else. No
 * inline script or style (an HTML answer that has some lists their hashes: see
 * `cspWithHashes`), no plugins, no framing, no form posts or base URLs elsewhere.
 */
export const CSP_DIRECTIVES: Readonly<CspDirectives> = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** helmet's options for CSP_DIRECTIVES plus the given script and style sources. */
export function securityOptions(extra: { scriptSrc?: string[]; styleSrc?: string[] } = {}) {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        ...CSP_DIRECTIVES,
        scriptSrc: [...CSP_DIRECTIVES.scriptSrc, ...(extra.scriptSrc ?? [])],
        styleSrc: [...CSP_DIRECTIVES.styleSrc, ...(extra.styleSrc ?? [])],
      },
    },
  } satisfies HelmetOptions;
}

/**
 * The headers helmet sets for these options. They are the same for every answer when the
 * options hold no per-request values (no CSP nonces), so they are worked out once: helmet's
 * middleware re-parses the CSP directives on every request (about 2.5 % of customer-api's CPU
 * under load, bench/).
 */
export function securityHeadersOf(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  let failed: Error | undefined;
  helmet(options)(
    {} as IncomingMessage,
    response as unknown as ServerResponse,
    (err?: unknown) => (failed = err instanceof Error ? err : undefined),
  );
  if (failed) {
    throw failed;
  }
  return headers;
}

/** Sets the security headers on every answer, errors and Fastify's own answers included. */
export function addSecurityHeaders(fastify: FastifyInstance, options: HelmetOptions): void {
  const headers = securityHeadersOf(options);
  fastify.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
}

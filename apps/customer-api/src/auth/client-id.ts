import type { FastifyRequest } from 'fastify';

/** The client a request acts for when the API runs without keys. */
export const ANONYMOUS_CLIENT = 'anonymous';

/** Set by the API-key guard on authenticated requests. */
export interface AuthenticatedRequest extends FastifyRequest {
  clientId?: string;
}

export function clientIdOf(request: FastifyRequest): string {
  return (request as AuthenticatedRequest).clientId ?? ANONYMOUS_CLIENT;
}

import { CanActivate, ExecutionContext, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApplicationError } from '@app/platform/errors';
import { PUBLIC_ROUTE } from '@app/platform/public-route';
import { CustomerApiEnvironment } from '../config/environment';
import { AuthFailureCounter } from './auth-failures';
import { ApiKey, clientForKey, loadApiKeys } from './api-keys';
import type { AuthenticatedRequest } from './client-id';

/** The window AUTH_FAILURES_PER_MINUTE counts in. */
const AUTH_FAILURE_WINDOW_MS = 60_000;

export class UnauthorizedError extends ApplicationError {
  constructor() {
    super(
      'unauthorized',
      'UNAUTHORIZED',
      'a valid API key is required (Authorization: Bearer <key> or x-api-key)',
    );
  }
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') {
    return header;
  }
  const authorization = request.headers.authorization;
  const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  return match?.[1];
}

export class TooManyAuthFailuresError extends ApplicationError {
  constructor(retryAfterSeconds: number) {
    super(
      'rate-limited',
      'TOO_MANY_AUTH_FAILURES',
      'too many requests without a valid API key from this address; retry later',
      [],
      retryAfterSeconds,
    );
  }
}

/**
 * With API keys configured, every route but the public ones (health, metrics, the API document)
 * needs one; the key's name becomes the request's client. A source address past
 * AUTH_FAILURES_PER_MINUTE failures is refused with 429 before its key is even compared. Without
 * keys (only with ALLOW_ANONYMOUS_API outside development and tests) the API is open.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate, OnModuleInit {
  private readonly logger = new Logger(ApiKeyGuard.name);
  private keys: ApiKey[] = [];
  private readonly failures: AuthFailureCounter;

  constructor(
    private readonly reflector: Reflector,
    private readonly env: CustomerApiEnvironment,
  ) {
    this.failures = new AuthFailureCounter(env.AUTH_FAILURES_PER_MINUTE, AUTH_FAILURE_WINDOW_MS);
  }

  onModuleInit(): void {
    this.keys = loadApiKeys(this.env.API_KEYS, this.env.API_KEYS_FILE);
    if (this.keys.length === 0) {
      this.logger.warn(
        'NO API KEYS CONFIGURED: the API is open to anyone who can reach it, and every caller ' +
          `is one client (NODE_ENV=${this.env.NODE_ENV}, ALLOW_ANONYMOUS_API=${this.env.ALLOW_ANONYMOUS_API}). ` +
          'Set API_KEYS or API_KEYS_FILE outside local use.',
      );
    } else {
      this.logger.log(`API keys configured for ${this.keys.length} client(s)`);
    }
  }

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic || this.keys.length === 0) {
      return true;
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const blockedFor = this.failures.blockedFor(request.ip);
    if (blockedFor !== undefined) {
      throw new TooManyAuthFailuresError(blockedFor);
    }
    const key = presentedKey(request);
    const client = key === undefined ? undefined : clientForKey(this.keys, key);
    if (!client) {
      this.failures.record(request.ip);
      throw new UnauthorizedError();
    }
    request.clientId = client;
    return true;
  }
}

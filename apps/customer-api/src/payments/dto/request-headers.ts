import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * `@RequestHeaders(['Idempotency-Key'], InputPipe)`: the named request headers as a plain object
 * keyed by the names given, for a DTO to validate. Nest's `@Headers()` has every name
 * lower-cased; a 400 should name the header as the client knows it. Absent headers are left
 * out, and headers not named are ignored.
 */
export const RequestHeaders = createParamDecorator(
  (names: string[], context: ExecutionContext): Record<string, string | string[]> => {
    const { headers } = context.switchToHttp().getRequest<FastifyRequest>();
    const present: [string, string | string[]][] = [];
    for (const name of names) {
      const value = headers[name.toLowerCase()];
      if (value !== undefined) {
        present.push([name, value]);
      }
    }
    return Object.fromEntries(present);
  },
);

import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * The preferences of RFC 7240 `Prefer` headers, by lower-cased name, first occurrence winning
 * (section 2). A preference's own parameters (after `;`) are not needed here and are dropped;
 * quoted values are unquoted. Several Prefer headers arrive joined by commas.
 */
export function preferencesOf(header: string | string[] | undefined): Map<string, string> {
  const preferences = new Map<string, string>();
  const joined = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const item of joined.split(',')) {
    const [preference] = item.split(';');
    const equals = preference.indexOf('=');
    const name = (equals < 0 ? preference : preference.slice(0, equals)).trim().toLowerCase();
    const raw = equals < 0 ? '' : preference.slice(equals + 1).trim();
    const value =
      raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
    if (name !== '' && !preferences.has(name)) {
      preferences.set(name, value);
    }
  }
  return preferences;
}

/**
 * `@Preferences(['wait'], InputPipe)`: the named preferences of the request's
 * Prefer headers as a plain object, for a DTO to validate. Preferences not named are ignored, as
 * RFC 7240 asks of preferences a server does not support.
 */
export const Preferences = createParamDecorator(
  (names: string[], context: ExecutionContext): Record<string, string> => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const preferences = preferencesOf(request.headers.prefer);
    return Object.fromEntries(
      names.filter((name) => preferences.has(name)).map((name) => [name, preferences.get(name)]),
    ) as Record<string, string>;
  },
);

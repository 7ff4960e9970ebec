import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConfig, lintFromString } from '@redocly/openapi-core';

const OPENAPI_DIR = join(__dirname, '..', '..', 'docs', 'openapi');

/** docs/openapi/<app>.json as committed (`npm run openapi` writes it). */
export function committedDocument(app: string): { json: string } {
  return { json: readFileSync(join(OPENAPI_DIR, `${app}.json`), 'utf8') };
}

/**
 * Redocly's `recommended` rules, errors and warnings alike, as `severity rule at pointer: message`.
 * One rule is off: `operation-4xx-response` wants a 4xx on /health/* and /metrics, which have
 * no client error to report.
 */
export async function lintOpenApi(source: string, name: string): Promise<string[]> {
  const config = await createConfig({
    extends: ['recommended'],
    rules: { 'operation-4xx-response': 'off' },
  });
  const problems = await lintFromString({ source, absoluteRef: name, config });
  return problems.map(
    (p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer ?? '?'}: ${p.message}`,
  );
}

interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; schema?: Record<string, unknown> }[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

export interface Document {
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { properties?: Record<string, { type?: string }> }>;
    securitySchemes?: Record<string, Record<string, unknown>>;
  };
}

/** Every operation with its path and method. */
export function operationsOf(document: Document): { where: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      where: `${method.toUpperCase()} ${path}`,
      operation,
    })),
  );
}

/** The conventions a generated client relies on, as a list of what breaks them. */
export function conventionProblems(document: Document): string[] {
  const problems: string[] = [];
  if (!document.servers?.length || document.servers.some((s) => !s.url)) {
    problems.push('servers must name at least one URL');
  }
  for (const { where, operation } of operationsOf(document)) {
    if (!operation.operationId || !/^[a-z][A-Za-z]+$/.test(operation.operationId)) {
      problems.push(`${where}: operationId ${String(operation.operationId)} is not camelCase`);
    }
    const open = /^GET \/(health\/|metrics$)/.test(where);
    if (open && JSON.stringify(operation.security) !== '[]') {
      problems.push(`${where}: needs no key, so its security must be []`);
    }
    if (!open && operation.security === undefined) {
      problems.push(`${where}: says nothing about security`);
    }
  }
  for (const [name, schema] of Object.entries(document.components.schemas)) {
    if (/(Dto|Doc|View|Controller)$/.test(name)) {
      problems.push(`schema ${name} leaks a class name`);
    }
    for (const [field, property] of Object.entries(schema.properties ?? {})) {
      if (['amount', 'count', 'attempts', 'status'].includes(field) && property.type === 'number') {
        problems.push(`${name}.${field} is a number, not an integer`);
      }
    }
  }
  for (const [name, scheme] of Object.entries(document.components.securitySchemes ?? {})) {
    if (scheme.bearerFormat === 'JWT') {
      problems.push(`security scheme ${name} claims JWT; the keys are opaque`);
    }
  }
  return problems;
}

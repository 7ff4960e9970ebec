import { applyDecorators, INestApplication } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiSchema,
  getSchemaPath,
  OpenAPIObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from './problem';

@ApiSchema({ name: 'FieldError' })
class FieldErrorDoc {
  @ApiProperty({ example: 'amount' })
  field!: string;
  @ApiProperty({ example: 'amount must be an integer number of minor units' })
  message!: string;
}

/** RFC 9457 problem details: the body of every error. */
@ApiSchema({ name: 'Problem' })
export class ProblemDetailsDoc {
  @ApiProperty({ format: 'uri', example: 'urn:problem:invalid-request' })
  type!: string;
  @ApiProperty({ example: 'Bad Request' })
  title!: string;
  @ApiProperty({ type: 'integer', example: 400 })
  status!: number;
  @ApiProperty({ example: 'the request body is invalid' })
  detail!: string;
  @ApiPropertyOptional({ description: 'Stable machine-readable code', example: 'INVALID_INPUT' })
  code?: string;
  @ApiPropertyOptional({ type: [FieldErrorDoc], description: 'On 400: every bad field' })
  errors?: FieldErrorDoc[];
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid body, id or header; `errors` names every bad field',
  401: 'Missing or unknown API key (keys are required unless the API runs open, locally)',
  404: 'No such payment (on customer-api: for this client)',
  409: 'The Idempotency-Key is in use by a request still in flight',
  413: 'Body larger than 16 KiB',
  415: 'Body is not application/json',
  422: 'The Idempotency-Key was used with a different body',
  429:
    'Rate limited: too many requests for this client, or too many failed API keys from this ' +
    'address (code TOO_MANY_AUTH_FAILURES, answered before the key is checked)',
  503:
    'A dependency (the database or the queues) is unavailable, or this instance is shutting ' +
    'down; retry after Retry-After (a POST with the same Idempotency-Key)',
};

const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } },
};

/** Documents problem+json answers for the given statuses. */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsDoc),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: PROBLEM_DESCRIPTIONS[status],
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetailsDoc) } } },
        ...([409, 429, 503].includes(status) ? { headers: RETRY_AFTER } : {}),
      }),
    ),
  );
}

/**
 * The document at /openapi.json (and .yaml), its UI at /docs, both public. `servers` is the
 * serving host itself (a relative URL), so the UI and generated clients call the instance they
 * read the document from.
 */
export function serveOpenApi(
  app: INestApplication,
  config: Omit<OpenAPIObject, 'paths'>,
): OpenAPIObject {
  const document = SwaggerModule.createDocument(app, {
    ...config,
    servers: [{ url: '/', description: 'The server that serves this document' }],
  });
  // An operation that names no scheme needs none: said explicitly (`security: []`), so that
  // clients and the UI send no key to /health/* and /metrics.
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (operation && !operation.security) {
        operation.security = [];
      }
    }
  }
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
  });
  return document;
}

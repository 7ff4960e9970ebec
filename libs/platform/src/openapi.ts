import { STATUS_CODES } from 'node:http';
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
  @ApiProperty()
  field!: string;
  @ApiProperty()
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

/**
 * Documents problem+json answers for the given statuses. Each is described by its reason
 * phrase here; the app's own wording replaces it when the document is built (serveOpenApi).
 */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsDoc),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: STATUS_CODES[status] ?? String(status),
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetailsDoc) } } },
      }),
    ),
  );
}

/** What an app says of its problem+json answers, by status. */
export interface ProblemWording {
  /** The description of each status's answer, in this app's terms. */
  descriptions: Readonly<Record<number, string>>;
  /** The statuses whose answers carry Retry-After. */
  retryAfter: readonly number[];
  /** A bad field of this app's input, as a 400 names it: the FieldError schema's example. */
  fieldErrorExample?: { field: string; message: string };
}

const RETRY_AFTER = { description: 'Seconds to wait', schema: { type: 'integer' } };

/** Words the problem+json answers of every operation in `document` as the app says. */
function wordProblems(document: OpenAPIObject, wording: ProblemWording): void {
  const fieldError = document.components?.schemas?.FieldError;
  if (wording.fieldErrorExample && fieldError && 'properties' in fieldError) {
    for (const [name, example] of Object.entries(wording.fieldErrorExample)) {
      const property = fieldError.properties?.[name];
      if (property && !('$ref' in property)) {
        property.example = example;
      }
    }
  }
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      for (const [status, response] of Object.entries(item[method]?.responses ?? {})) {
        if (!response || !('content' in response) || !response.content?.[PROBLEM_CONTENT_TYPE]) {
          continue;
        }
        response.description = wording.descriptions[Number(status)] ?? response.description;
        if (wording.retryAfter.includes(Number(status))) {
          response.headers = { ...response.headers, 'Retry-After': RETRY_AFTER };
        }
      }
    }
  }
}

/**
 * The document at /openapi.json (and .yaml), its UI at /docs, both public. `servers` is the
 * serving host itself (a relative URL), so the UI and generated clients call the instance they
 * read the document from.
 */
export function serveOpenApi(
  app: INestApplication,
  config: Omit<OpenAPIObject, 'paths'>,
  problems: ProblemWording,
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
  wordProblems(document, problems);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
  });
  return document;
}

import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject } from '@nestjs/swagger';
import { ProblemWording, serveOpenApi } from '@app/platform/openapi';

/**
 * sales-worker's problem+json answers, as its document words them. The wording is the one the
 * published document has always had (docs/openapi/sales-worker.json), customer-api's phrases
 * and its `amount` example
 * included: rewording it is a change of the document, left to its own commit.
 */
const PROBLEMS: ProblemWording = {
  descriptions: {
    400: 'Invalid body, id or header; `errors` names every bad field',
    404: 'No such payment (on customer-api: for this client)',
    503:
      'A dependency (the database or the queues) is unavailable, or this instance is shutting ' +
      'down; retry after Retry-After (a POST with the same Idempotency-Key)',
  },
  retryAfter: [503],
  fieldErrorExample: {
    field: 'amount',
    message: 'amount must be an integer number of minor units',
  },
};

/** sales-worker's OpenAPI document: its read API and operations routes. */
export function serveSalesWorkerDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('sales-worker')
    .setDescription(
      'Reads of the sales database that sales-worker fills from the sales queue: monthly ' +
        'totals and single sales. Read-only, no API key; errors are ' +
        'application/problem+json (RFC 9457). docs/api.md in the repository explains the flow.',
    )
    .setVersion('1.0.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addTag('sales', 'What the sales database holds')
    .addTag('operations', 'Health and metrics')
    .build();
  return serveOpenApi(app, config, PROBLEMS);
}

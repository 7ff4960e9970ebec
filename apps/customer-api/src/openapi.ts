import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject } from '@nestjs/swagger';
import { ProblemWording, serveOpenApi } from '@app/platform/openapi';

/** customer-api's problem+json answers, as its document words them. */
const PROBLEMS: ProblemWording = {
  descriptions: {
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
  },
  retryAfter: [409, 429, 503],
  fieldErrorExample: {
    field: 'amount',
    message: 'amount must be an integer number of minor units',
  },
};

/** customer-api's OpenAPI document, the source of truth for its API (docs/api.md explains it). */
export function serveCustomerApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('customer-api')
    .setDescription(
      'Accepts monthly insurance payments (202 + requestId) and reports their status while ' +
        'sales-worker records them asynchronously; docs/api.md in the repository walks through ' +
        'the flow. Every error is application/problem+json (RFC 9457). After a 5xx or no answer ' +
        'to POST /payments, resend it with the same Idempotency-Key: the payment may have been ' +
        'committed all the same, and the resend replays it instead of creating a second one. ' +
        'Every payment route needs an API key (Authorization: Bearer <key> or x-api-key), ' +
        'except on a local API started open; the health and metrics routes need none. ' +
        "Money: a payment's `amount` is a JSON integer of minor units, 1…100000000000 (exact " +
        "in every JSON parser); sums of amounts (sales-worker's monthly totals) are strings of " +
        'decimal digits, exact past 2^53. Identifiers (customerId, policyId, Idempotency-Key, ' +
        'requestId) are compared byte for byte.',
    )
    .setVersion('1.0.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    // An opaque API key, sent either way; it is not a JWT.
    .addSecurity('bearer', {
      type: 'http',
      scheme: 'bearer',
      description: 'An API key as `Authorization: Bearer <key>`',
    })
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An API key' },
      'apiKey',
    )
    .addTag('payments', 'Accept a payment and follow its status')
    .addTag('operations', 'Health and metrics; no API key')
    .build();
  return serveOpenApi(app, config, PROBLEMS);
}

import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('customer-api')
    .setDescription(
      'Accepts monthly insurance payments (202 + requestId) and reports their status while ' +
        'sales-worker records them asynchronously. See CONTRACT.md. Every error is ' +
        'application/problem+json (RFC 9457). After a 5xx or no answer to POST /payments, resend ' +
        'it with the same Idempotency-Key: the payment may have been committed all the same, ' +
        "and the resend replays it instead of creating a second one. Money: a payment's " +
        '`amount` is a JSON integer of minor units, 1…100000000000 (exact in every JSON ' +
        "parser); sums of amounts (sales-worker's monthly totals, `GET /sales`) are strings of " +
        'decimal digits, exact past 2^53. Identifiers (customerId, policyId, Idempotency-Key, ' +
        'requestId) are compared byte for byte.',
    )
    .setVersion('1.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'apiKey')
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('apiKey')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** The document at /openapi.json and its UI at /docs, both public. */
export function serveOpenApi(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
  });
  return document;
}

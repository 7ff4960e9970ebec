import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { DocumentBuilder } from '@nestjs/swagger';
import { serveOpenApi } from '@app/platform/openapi';
import { createServiceApp } from '@app/platform/service-lifecycle';
import { AppModule } from './app.module';
import { SalesWorkerEnvironment } from './config/environment';

/** The worker's HTTP API only reads: no request has a body worth more than this. */
const BODY_LIMIT_BYTES = 1024;

export async function createApp(
  env: SalesWorkerEnvironment,
  logDestination?: DestinationStream,
): Promise<NestFastifyApplication> {
  const app = await createServiceApp(AppModule.forRoot(env, logDestination), {
    bodyLimit: BODY_LIMIT_BYTES,
  });
  serveOpenApi(
    app,
    new DocumentBuilder()
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
      .build(),
  );
  return app;
}

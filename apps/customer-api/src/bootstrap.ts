import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { createServiceApp } from '@app/platform';
import { AppModule } from './app.module';
import { CustomerApiEnvironment } from './config/environment';
import { serveCustomerApiDocument } from './openapi';
import { hashInlineBlocks, servePaymentPage } from './payment-page/serve-page';

/** Bodies of POST /payments are small; anything larger is refused with 413. */
const BODY_LIMIT_BYTES = 16 * 1024;

export async function createApp(
  env: CustomerApiEnvironment,
  logDestination?: DestinationStream,
): Promise<NestFastifyApplication> {
  const app = await createServiceApp(AppModule.forRoot(env, logDestination), {
    bodyLimit: BODY_LIMIT_BYTES,
    trustedProxies: (env.TRUSTED_PROXIES ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
  });
  serveCustomerApiDocument(app);
  hashInlineBlocks(app);
  servePaymentPage(app, env.PAGE_DIR);
  if (env.CORS_ORIGINS) {
    app.enableCors({
      origin: env.CORS_ORIGINS.split(',').map((o) => o.trim()),
      methods: ['GET', 'POST'],
    });
  }
  return app;
}

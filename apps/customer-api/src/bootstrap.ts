import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { createServiceApp } from '@app/platform/service-lifecycle';
import { AppModule } from './app.module';
import { CustomerApiEnvironment } from './config/environment';
import { serveCustomerApiDocument } from './openapi';
import { StatusWaiters } from './payments/status-waiters';
import { hashInlineBlocks, servePaymentPage } from './payment-page/serve-page';

/** With createApp, what tests and tools start the app from (docs/architecture.md). */
export { loadEnvironment } from './config/environment.module';

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
  // Shutdown waits for the requests in flight: long polls must answer first (with the current
  // view), not hold the close until their wait or the shutdown budget runs out.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('preClose', (done) => {
      app.get(StatusWaiters).releaseAll();
      done();
    });
  if (env.CORS_ORIGINS) {
    app.enableCors({
      origin: env.CORS_ORIGINS.split(',').map((o) => o.trim()),
      methods: ['GET', 'POST'],
    });
  }
  return app;
}

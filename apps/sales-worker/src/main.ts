import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { createApp, shutDown } from './bootstrap';
import { loadEnvironment } from './config/config.module';

async function main(): Promise<void> {
  const env = loadEnvironment();
  const app = await createApp(env);
  await app.listen(env.PORT, env.HOST);
  const logger = app.get(Logger);
  logger.log(`sales-worker listening on http://${env.HOST}:${env.PORT}`);
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (stopping) {
        return;
      }
      stopping = true;
      logger.log(`${signal} received; shutting down`);
      void shutDown(app, env.SHUTDOWN_TIMEOUT_MS).then(() => process.exit(0));
    });
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `sales-worker failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  });
}

import './tracing'; // TELEMETRY HOOK: must stay the first import
import 'reflect-metadata';
import { runService } from '@app/platform/service-lifecycle';
import { createApp } from './bootstrap';
import { loadEnvironment } from './config/environment.module';
import { runOutboxCommand } from './outbox/outbox.command';

if (process.argv[2] === 'outbox') {
  // The operator command for parked outbox messages (docs/reliability.md).
  runOutboxCommand(process.argv.slice(3)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`outbox: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
} else {
  runService('customer-api', async () => {
    const env = loadEnvironment();
    return {
      app: await createApp(env),
      port: env.PORT,
      host: env.HOST,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    };
  });
}

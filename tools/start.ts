/**
 * `npm start`: the whole system on a bare machine. The SQS stand-in runs here, in the launcher's
 * own process, like SQS would, apart from the apps: an app that crashes or is killed never takes
 * queued messages with it (and is restarted). Each app runs from the built output as its own
 * process, on SQLite files under data/ unless DATABASE_URL names a MySQL database.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
import { createSqsClient, DEFAULT_QUEUE_SETUP, ensureQueues } from '@app/messaging';
import { startSqsStandIn } from './sqs-stand-in';

const ROOT = join(__dirname, '..');
const HOST = '127.0.0.1';
const SQS_PORT = Number(process.env.SQS_PORT ?? 4566);
const API_PORT = Number(process.env.CUSTOMER_API_PORT ?? 3000);
const WORKER_PORT = Number(process.env.SALES_WORKER_PORT ?? 3001);

interface AppSpec {
  name: string;
  port: number;
  env: Record<string, string>;
}

function log(line: string): void {
  process.stdout.write(`[launcher] ${line}\n`);
}

/** The sales-worker's database: SALES_DATABASE_URL, or `<DATABASE_URL's database>_sales`. */
async function salesDatabaseUrl(customerUrl: string): Promise<string> {
  if (process.env.SALES_DATABASE_URL) {
    return process.env.SALES_DATABASE_URL;
  }
  const url = new URL(customerUrl);
  const name = `${url.pathname.slice(1) || 'payments'}_sales`;
  const admin = await createConnection({ uri: customerUrl.replace(/^mariadb:/, 'mysql:') });
  await admin.query(`CREATE DATABASE IF NOT EXISTS \`${name}\``);
  await admin.end();
  url.pathname = `/${name}`;
  return url.toString();
}

class Supervised {
  private child?: ChildProcess;
  private stopping = false;

  constructor(private readonly spec: AppSpec) {}

  start(): void {
    const main = join(ROOT, 'dist', 'apps', this.spec.name, 'main.js');
    const child = spawn(process.execPath, [main], {
      cwd: ROOT,
      env: { ...process.env, ...this.spec.env },
      stdio: 'inherit',
    });
    this.child = child;
    child.on('exit', (code, signal) => {
      if (this.stopping) {
        return;
      }
      log(`${this.spec.name} exited (${signal ?? code}); restarting in 1 s`);
      setTimeout(() => this.start(), 1_000);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

async function waitReady(name: string, port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://${HOST}:${port}/health/ready`);
      if (res.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} was not ready on port ${port} after ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sqsServer = await startSqsStandIn(SQS_PORT);
  log(`SQS stand-in on ${sqsServer.endpoint}`);
  const sqs = createSqsClient({ region: 'us-east-1', endpoint: sqsServer.endpoint });
  await ensureQueues(sqs, [SALES_QUEUE, PAYMENT_STATUS_QUEUE], DEFAULT_QUEUE_SETUP);
  sqs.destroy();

  const common = {
    NODE_ENV: 'development',
    HOST,
    AWS_REGION: 'us-east-1',
    SQS_ENDPOINT: sqsServer.endpoint,
    LOG_FORMAT: process.env.LOG_FORMAT ?? 'pretty',
    // Short long-polls so Ctrl-C stops at once.
    SQS_WAIT_TIME_SECONDS: process.env.SQS_WAIT_TIME_SECONDS ?? '2',
  };
  const customerUrl = process.env.DATABASE_URL;
  const apps: AppSpec[] = [
    {
      name: 'customer-api',
      port: API_PORT,
      env: {
        ...common,
        PORT: String(API_PORT),
        SQLITE_PATH: join(ROOT, 'data', 'customer-api.sqlite'),
        ...(customerUrl ? { DATABASE_URL: customerUrl } : {}),
      },
    },
    {
      name: 'sales-worker',
      port: WORKER_PORT,
      env: {
        ...common,
        PORT: String(WORKER_PORT),
        SQLITE_PATH: join(ROOT, 'data', 'sales-worker.sqlite'),
        ...(customerUrl ? { DATABASE_URL: await salesDatabaseUrl(customerUrl) } : {}),
      },
    },
  ].filter((app) => existsSync(join(ROOT, 'dist', 'apps', app.name, 'main.js')));

  const running = apps.map((spec) => new Supervised(spec));
  running.forEach((app) => app.start());

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) {
      return;
    }
    stopping = true;
    log('stopping…');
    await Promise.all(running.map((app) => app.stop()));
    await sqsServer.close();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  try {
    await Promise.all(apps.map((app) => waitReady(app.name, app.port)));
  } catch (err) {
    log(err instanceof Error ? err.message : String(err));
    await stop();
  }
  const api = `http://${HOST}:${API_PORT}`;
  log('ready:');
  for (const app of apps) {
    log(`  ${app.name.padEnd(13)} http://${HOST}:${app.port}`);
  }
  log(
    `  SQS           ${sqsServer.endpoint} (queues ${SALES_QUEUE}, ${PAYMENT_STATUS_QUEUE} and their -dlq)`,
  );
  log(`  data          ${customerUrl ? 'MySQL' : join(ROOT, 'data')}`);
  log('try:');
  log(
    `  curl -s -X POST ${api}/payments -H 'Content-Type: application/json' ` +
      `-d '{"customerId":"cust-1","policyId":"pol-1","amount":12500,"currency":"USD"}'`,
  );
  log(`  curl -s ${api}/payments/<requestId>`);
  log('Ctrl-C stops everything.');
}

main().catch((err: unknown) => {
  process.stderr.write(`[launcher] ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

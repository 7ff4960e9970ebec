/**
 * `npm start`: the whole system on a bare machine. The SQS stand-in runs here, in the launcher's
 * own process, like SQS would, apart from the apps: an app that crashes or is killed never takes
 * queued messages with it (it is restarted). Each app runs from the built output as its own
 * process, on SQLite files under data/ unless DATABASE_URL names a MySQL database.
 *
 *   npm start [-- --verbose]     quiet by default: warnings, errors and the banner
 *   npm run start:dev            the same, rebuilding and restarting an app when its code changes
 *   npm run start:debug          start:dev with inspectors on 9229 (customer-api), 9230 (worker)
 *
 * Ports: CUSTOMER_API_PORT (3000), SALES_WORKER_PORT (3001), SQS_PORT (4566); all are checked
 * before anything starts. DATA_DIR (data/) holds the SQLite files and launcher.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, watch } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
import { DEFAULT_QUEUE_SETUP, ensureQueues } from '@app/messaging/queue-setup';
import { createSqsClient } from '@app/messaging/sqs-client';
import { build } from './build';
import { AppFailedError, AppProcess, AppSpec } from './launcher/app-process';
import { bannerLines } from './launcher/banner';
import { PortClaim, takenPorts } from './launcher/ports';
import { removeState, writeState } from './launcher/state-file';
import { startSqsStandIn } from './sqs-stand-in';

const ROOT = join(__dirname, '..');
// .env (see .env.example) for what is not already set in the environment.
if (existsSync(join(ROOT, '.env'))) {
  process.loadEnvFile(join(ROOT, '.env'));
}
const HOST = '127.0.0.1';
const REGION = 'us-east-1';
const args = process.argv.slice(2);
const VERBOSE = args.includes('--verbose') || process.env.START_VERBOSE === '1';
const WATCH = args.includes('--watch');
const INSPECT = args.includes('--inspect');
const SQS_PORT = Number(process.env.SQS_PORT ?? 4566);
const API_PORT = Number(process.env.CUSTOMER_API_PORT ?? 3000);
const WORKER_PORT = Number(process.env.SALES_WORKER_PORT ?? 3001);
/** SQLite files and launcher.json (which `npm run dlq` reads to find the stand-in). */
const DATA_DIR = process.env.DATA_DIR ?? join(ROOT, 'data');
const started = Date.now();

function log(line: string): void {
  process.stdout.write(`[launcher] ${line}\n`);
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** `npm run build` (apps and whatever else the build script builds), its output kept short. */
function runBuild(): void {
  log('building the apps…');
  const begun = Date.now();
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stdout.write(`${result.stdout}${result.stderr}`);
    throw new Error('the build failed (above)');
  }
  if (VERBOSE) {
    process.stdout.write(result.stdout);
  }
  log(`built in ${seconds(begun)}`);
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

async function appSpecs(sqsEndpoint: string): Promise<AppSpec[]> {
  const common = {
    NODE_ENV: 'development',
    HOST,
    AWS_REGION: REGION,
    SQS_ENDPOINT: sqsEndpoint,
    // JSON lines, which the launcher shows pretty and filters; LOG_FORMAT=pretty passes through.
    LOG_FORMAT: process.env.LOG_FORMAT ?? 'json',
    // Short long-polls so Ctrl-C stops at once.
    SQS_WAIT_TIME_SECONDS: process.env.SQS_WAIT_TIME_SECONDS ?? '2',
    // The launcher says this once in its banner (Node 20 until January 2027, see README).
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const customerUrl = process.env.DATABASE_URL;
  const spec = (name: string, port: number, inspectPort: number, databaseUrl?: string) => ({
    name,
    host: HOST,
    port,
    main: join(ROOT, 'dist', 'apps', name, 'main.js'),
    nodeFlags: ['--enable-source-maps', ...(INSPECT ? [`--inspect=${HOST}:${inspectPort}`] : [])],
    env: {
      ...common,
      PORT: String(port),
      SQLITE_PATH: join(DATA_DIR, `${name}.sqlite`),
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
  });
  return [
    spec('customer-api', API_PORT, 9229, customerUrl),
    spec(
      'sales-worker',
      WORKER_PORT,
      9230,
      customerUrl ? await salesDatabaseUrl(customerUrl) : undefined,
    ),
  ];
}

function explainFailure(err: unknown): void {
  if (err instanceof AppFailedError) {
    log(`${err.message}; its last lines:`);
    err.lastLines.forEach((line) => process.stdout.write(`  ${line}\n`));
  } else {
    log(err instanceof Error ? err.message : String(err));
  }
}

async function main(): Promise<void> {
  // Said once, in the banner's own words (nodeNotice), instead of the SDK's nine lines.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const claims: PortClaim[] = [
    { owner: 'customer-api', port: API_PORT, variable: 'CUSTOMER_API_PORT' },
    { owner: 'sales-worker', port: WORKER_PORT, variable: 'SALES_WORKER_PORT' },
    { owner: 'SQS stand-in', port: SQS_PORT, variable: 'SQS_PORT' },
  ];
  const taken = await takenPorts(claims, HOST);
  if (taken.length > 0) {
    taken.forEach(log);
    process.exit(1);
  }
  runBuild();
  mkdirSync(DATA_DIR, { recursive: true });

  const sqsServer = await startSqsStandIn(SQS_PORT);
  const sqs = createSqsClient({ region: REGION, endpoint: sqsServer.endpoint });
  await ensureQueues(sqs, [SALES_QUEUE, PAYMENT_STATUS_QUEUE], DEFAULT_QUEUE_SETUP);
  sqs.destroy();

  const output = { verbose: VERBOSE, write: (line: string) => process.stdout.write(`${line}\n`) };
  const apps = (await appSpecs(sqsServer.endpoint)).map((spec) => new AppProcess(spec, output));
  let stopping = false;
  const stop = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      log('stopping…');
      await Promise.all(apps.map((app) => app.stop()));
      await sqsServer.close();
      await removeState(DATA_DIR);
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  /**
   * Starts an app and waits for it. One that cannot start stops everything, except under
   * --watch after the first start: the next change tries again.
   */
  const launch = async (app: AppProcess, fatal = true): Promise<void> => {
    app.start();
    try {
      await app.waitReady();
    } catch (err) {
      explainFailure(err);
      if (fatal) {
        await stop(1);
      }
      log(`${app.spec.name} waits for the next change`);
      return;
    }
    void supervise(app);
  };
  /** An app that crashes after it was ready is restarted; if it then cannot start, launch stops. */
  const supervise = async (app: AppProcess): Promise<void> => {
    await app.exitedPromise();
    if (stopping || restarting.has(app)) {
      return;
    }
    log(`${app.spec.name} exited; restarting it`);
    await launch(app, !WATCH);
  };
  const restarting = new Set<AppProcess>();

  log(`starting customer-api and sales-worker (SQS stand-in on ${sqsServer.endpoint})…`);
  await Promise.all(apps.map((app) => launch(app)));
  await writeState(DATA_DIR, {
    pid: process.pid,
    region: REGION,
    sqsEndpoint: sqsServer.endpoint,
    apiUrl: apps[0].url,
    workerUrl: apps[1].url,
  });
  log(`ready in ${seconds(started)}`);
  bannerLines({
    apiUrl: apps[0].url,
    workerUrl: apps[1].url,
    sqsEndpoint: sqsServer.endpoint,
    data: process.env.DATABASE_URL ? 'MySQL (DATABASE_URL)' : join(DATA_DIR, '*.sqlite'),
    verbose: VERBOSE,
    watching: WATCH,
    inspecting: INSPECT,
  }).forEach((line) => process.stdout.write(`${line}\n`));

  if (WATCH) {
    watchSources(async (changed) => {
      const begun = Date.now();
      const result = await build();
      const affected = apps.filter(
        (app) => changed.has('libs') || changed.has(`apps/${app.spec.name}`),
      );
      if (result.compiled === 0 || affected.length === 0) {
        return;
      }
      affected.forEach((app) => restarting.add(app));
      await Promise.all(affected.map((app) => app.stop()));
      affected.forEach((app) => restarting.delete(app));
      await Promise.all(affected.map((app) => launch(app, false)));
      log(
        `rebuilt ${result.compiled} file(s), restarted ${affected.map((a) => a.spec.name).join(', ')} in ${seconds(begun)}`,
      );
    });
  }
}

/** Calls `onChange` with the changed top folders (`libs`, `apps/<app>`), debounced, one at a time. */
function watchSources(onChange: (changed: Set<string>) => Promise<void>): void {
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const flush = (): void => {
    const changed = pending;
    pending = new Set();
    running = running.then(() => onChange(changed)).catch(explainFailure);
  };
  for (const top of ['apps', 'libs']) {
    watch(join(ROOT, top), { recursive: true }, (_event, file) => {
      if (!file || !file.endsWith('.ts') || /\.(spec|e2e-spec)\.ts$/.test(file)) {
        return;
      }
      pending.add(top === 'libs' ? 'libs' : `apps/${file.split(/[\\/]/)[0]}`);
      clearTimeout(timer);
      timer = setTimeout(flush, 300);
    });
  }
}

main().catch((err: unknown) => {
  explainFailure(err);
  process.exit(1);
});

import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
import { CreatedQueue, ensureQueues, QueueSetupOptions } from '@app/messaging/queue-setup';
import { createSqsClient } from '@app/messaging/sqs-client';
import { Database, Databases, LOCAL_MYSQL_URL, MYSQL_PORT } from '../testing/databases';
import { freePort } from '../testing/ports';
import { AppProcess, ROOT, runCommand, SqsProcess } from '../testing/processes';
import { TcpProxy } from '../testing/tcp-proxy';
import { HttpClient } from './http';

/** The MariaDB server the suite creates its databases on; 127.0.0.1 only. */
const MYSQL_URL = process.env.FAULTS_MYSQL_URL ?? LOCAL_MYSQL_URL;

/**
 * Copies the built apps aside, so that another engineer's `npm run build` halfway through this
 * run cannot hand a restarted app a different (or half-written) build. node_modules stays
 * where it is: NODE_PATH points the apps' requires at it.
 */
function snapshotBuild(dir: string): string {
  for (const app of ['customer-api', 'sales-worker', 'queue-admin'] as const) {
    const built = join(ROOT, 'dist', 'apps', app, 'main.js');
    if (!existsSync(built)) {
      throw new Error(`${built} is missing: build first (npm run test:faults does)`);
    }
    // The whole folder: tools/build.ts writes each app as its files plus its libraries' copies.
    cpSync(join(ROOT, 'dist', 'apps', app), join(dir, app), { recursive: true });
  }
  return dir;
}

/** What the built apps need beside their own settings: the repository's node_modules. */
const BUILT_APP_ENV = { NODE_PATH: join(ROOT, 'node_modules') };

/**
 * Short visibility timeout: a message held by a SIGKILLed worker comes back in seconds, not the
 * default 30, which keeps the kill scenarios short. Retention is irrelevant at this scale.
 */
const QUEUE_DEFAULTS: QueueSetupOptions = {
  // The apps' own budget (MAX_ATTEMPTS) is 5; the redrive policy is the backstop above it.
  maxReceiveCount: 10,
  visibilityTimeoutSeconds: 5,
  retentionSeconds: 3600,
};

/** What a run shares: its id, scratch directory, the SQS stand-in and its databases on MariaDB. */
export class Harness {
  readonly runId = randomBytes(3).toString('hex');
  readonly dir = mkdtempSync(join(tmpdir(), 'faults-'));
  readonly buildDir = snapshotBuild(join(this.dir, 'dist'));
  private readonly clusters = new Set<Cluster>();
  private closing?: Promise<void>;

  /** Every database of the run is `faults_<runId>_…`, so cleanup can never hit another's. */
  readonly databases = new Databases(`faults_${this.runId}`, MYSQL_URL);

  private constructor(
    readonly sqsServer: SqsProcess,
    readonly sqs: SQSClient,
  ) {}

  static async start(): Promise<Harness> {
    await new Databases('faults', MYSQL_URL).ping();
    const sqsServer = await SqsProcess.start();
    const sqs = createSqsClient({ region: 'us-east-1', endpoint: sqsServer.endpoint });
    return new Harness(sqsServer, sqs);
  }

  async cluster(options: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(this, options);
    this.clusters.add(cluster);
    try {
      await cluster.start();
    } catch (err) {
      await this.release(cluster);
      throw err;
    }
    return cluster;
  }

  async release(cluster: Cluster, fast = false): Promise<void> {
    await cluster.destroy(fast);
    this.clusters.delete(cluster);
  }

  /**
   * Tears everything down once, however often it is called (a scenario's cleanup, the run's,
   * Ctrl-C's). `fast` (Ctrl-C) SIGKILLs the apps, escalating a graceful stop in progress, so the
   * databases are dropped before the run gives up waiting.
   */
  close(fast = false): Promise<void> {
    if (fast) {
      this.clusters.forEach((cluster) => void cluster.destroy(true));
    }
    this.closing ??= this.shutdown(fast);
    return this.closing;
  }

  private async shutdown(fast: boolean): Promise<void> {
    await Promise.all([...this.clusters].map((cluster) => this.release(cluster, fast)));
    // Whatever a cluster that failed half-way left.
    await this.databases.dropAll().catch(() => undefined);
    this.sqs.destroy();
    await this.sqsServer.stop();
  }
}

export interface ClusterOptions {
  /** Short name, used in database, queue and log file names: `s4`. */
  label: string;
  queue?: Partial<QueueSetupOptions>;
  apiEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  /**
   * An SQS stand-in of its own instead of the run's: a scenario that runs beside others
   * (in the background) must not lose its queues when scenario 3 kills the shared one.
   */
  ownSqs?: boolean;
  /**
   * DATABASE_CONNECT_TIMEOUT_MS: background scenarios start beside four others on two cores,
   * where a 2 s connect can time out with no fault at all.
   */
  connectTimeoutMs?: number;
  /** Put a TcpProxy between the app and its database, so the scenario can cut it. */
  proxyCustomerDb?: boolean;
  proxySalesDb?: boolean;
  /** Put a TcpProxy between both apps and SQS, so the scenario can black-hole it. */
  proxySqs?: boolean;
}

/**
 * Both apps of one scenario as separate processes from the built output, each with a fresh
 * database, on queues of their own (named after the run and scenario) on the shared stand-in.
 */
export class Cluster {
  readonly queueSetup: QueueSetupOptions;
  readonly prefix: string;
  api!: AppProcess;
  worker!: AppProcess;
  apiHttp!: HttpClient;
  workerHttp!: HttpClient;
  customerDb!: Database;
  salesDb!: Database;
  customerProxy?: TcpProxy;
  salesProxy?: TcpProxy;
  sqsProxy?: TcpProxy;
  sales!: CreatedQueue;
  paymentStatus!: CreatedQueue;
  private ownSqs?: { server: SqsProcess; client: SQSClient };
  private destroying?: Promise<void>;

  constructor(
    readonly harness: Harness,
    private readonly options: ClusterOptions,
  ) {
    this.queueSetup = { ...QUEUE_DEFAULTS, ...options.queue };
    this.prefix = `faults-${harness.runId}-${options.label}`;
  }

  get sqs(): SQSClient {
    return this.ownSqs?.client ?? this.harness.sqs;
  }

  get sqsEndpoint(): string {
    return (this.ownSqs?.server ?? this.harness.sqsServer).endpoint;
  }

  /** Creates (or, after a stand-in restart, re-creates) this cluster's queues and DLQs. */
  async ensureQueues(): Promise<void> {
    [this.sales, this.paymentStatus] = await ensureQueues(
      this.sqs,
      [`${this.prefix}-${SALES_QUEUE}`, `${this.prefix}-${PAYMENT_STATUS_QUEUE}`],
      this.queueSetup,
    );
  }

  /** The environment both apps share, as a task definition would set it. */
  private commonEnv(): Record<string, string> {
    return {
      NODE_ENV: 'production',
      // The fault clients send no API key; production refuses an open API without this opt-in.
      ALLOW_ANONYMOUS_API: 'true',
      HOST: '127.0.0.1',
      AWS_REGION: 'us-east-1',
      SQS_ENDPOINT: this.sqsProxy ? `http://127.0.0.1:${this.sqsProxy.port}` : this.sqsEndpoint,
      SALES_QUEUE: this.sales.name,
      PAYMENT_STATUS_QUEUE: this.paymentStatus.name,
      MAX_RECEIVE_COUNT: String(this.queueSetup.maxReceiveCount),
      SQS_VISIBILITY_TIMEOUT_SECONDS: String(this.queueSetup.visibilityTimeoutSeconds),
      // Short long-polls: consumers notice a restarted stand-in and a SIGTERM quickly.
      SQS_WAIT_TIME_SECONDS: '1',
      SHUTDOWN_TIMEOUT_MS: '10000',
      DATABASE_CONNECT_TIMEOUT_MS: String(this.options.connectTimeoutMs ?? 2_000),
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
    };
  }

  async start(): Promise<void> {
    const { databases, dir, buildDir } = this.harness;
    if (this.options.ownSqs) {
      const server = await SqsProcess.start();
      const client = createSqsClient({ region: 'us-east-1', endpoint: server.endpoint });
      this.ownSqs = { server, client };
    }
    this.customerDb = await databases.open(`${this.options.label}_customer`);
    this.salesDb = await databases.open(`${this.options.label}_sales`);
    const mysqlPort = Number(new URL(MYSQL_URL).port || MYSQL_PORT);
    if (this.options.proxyCustomerDb) {
      this.customerProxy = await TcpProxy.start('127.0.0.1', mysqlPort);
    }
    if (this.options.proxySalesDb) {
      this.salesProxy = await TcpProxy.start('127.0.0.1', mysqlPort);
    }
    if (this.options.proxySqs) {
      this.sqsProxy = await TcpProxy.start(
        '127.0.0.1',
        (this.ownSqs?.server ?? this.harness.sqsServer).port,
      );
    }
    await this.ensureQueues();
    const common = this.commonEnv();
    const apiPort = await freePort();
    const workerPort = await freePort();
    this.api = new AppProcess({
      name: 'customer-api',
      script: join(buildDir, 'customer-api', 'main.js'),
      port: apiPort,
      env: {
        ...BUILT_APP_ENV,
        ...common,
        PORT: String(apiPort),
        DATABASE_URL: this.customerDb.urlVia(this.customerProxy?.port ?? mysqlPort),
        // The load comes from one client address; the API's per-client limit would shape it.
        RATE_LIMIT_PER_SECOND: '0',
        ...this.options.apiEnv,
      },
      logFile: join(dir, `${this.options.label}-customer-api.log`),
    });
    this.worker = new AppProcess({
      name: 'sales-worker',
      script: join(buildDir, 'sales-worker', 'main.js'),
      port: workerPort,
      env: {
        ...BUILT_APP_ENV,
        ...common,
        PORT: String(workerPort),
        DATABASE_URL: this.salesDb.urlVia(this.salesProxy?.port ?? mysqlPort),
        RETRY_BASE_DELAY_SECONDS: '1',
        RETRY_MAX_DELAY_SECONDS: '8',
        ...this.options.workerEnv,
      },
      logFile: join(dir, `${this.options.label}-sales-worker.log`),
    });
    this.apiHttp = new HttpClient(apiPort);
    this.workerHttp = new HttpClient(workerPort);
    // Started one after the other: both run migrations, and 2 cores start one faster.
    await this.api.start();
    await this.worker.start();
  }

  /**
   * Runs the operator CLI from the same build, as an operator would in a container. Killed after
   * `timeoutMs`: an operator command that never ends is a finding, not a reason to hang.
   */
  async queueAdmin(
    args: string[],
    timeoutMs = 60_000,
  ): Promise<{ code: number | null; stdout: string; timedOut: boolean }> {
    const result = await runCommand({
      script: join(this.harness.buildDir, 'queue-admin', 'main.js'),
      args,
      env: {
        ...BUILT_APP_ENV,
        AWS_REGION: 'us-east-1',
        SQS_ENDPOINT: this.sqsEndpoint,
        SALES_QUEUE: this.sales.name,
        PAYMENT_STATUS_QUEUE: this.paymentStatus.name,
      },
      timeoutMs,
    });
    return { code: result.code, stdout: result.stdout + result.stderr, timedOut: result.timedOut };
  }

  /** Stops the apps, closes the proxies, drops the databases; once, whoever asks. */
  destroy(fast = false): Promise<void> {
    if (fast) {
      // Ctrl-C must not wait for a graceful stop already in progress.
      void this.api?.stop('SIGKILL');
      void this.worker?.stop('SIGKILL');
    }
    this.destroying ??= this.teardown(fast);
    return this.destroying;
  }

  private async teardown(fast: boolean): Promise<void> {
    const signal = fast ? 'SIGKILL' : 'SIGTERM';
    await Promise.all([this.api?.stop(signal), this.worker?.stop(signal)]);
    this.apiHttp?.close();
    this.workerHttp?.close();
    await this.customerProxy?.close();
    await this.salesProxy?.close();
    await this.sqsProxy?.close();
    await this.customerDb?.drop().catch(() => undefined);
    await this.salesDb?.drop().catch(() => undefined);
    if (this.ownSqs) {
      this.ownSqs.client.destroy();
      await this.ownSqs.server.stop();
    }
  }
}

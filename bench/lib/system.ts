import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
import { CreatedQueue, DEFAULT_QUEUE_SETUP, ensureQueues } from '@app/messaging/queue-setup';
import { createSqsClient } from '@app/messaging/sqs-client';
import { freePort } from '../../tools/testing/ports';
import { findPids } from './cpu';
import { Databases, databaseUrl, pool } from '../../tools/testing/databases';
import { AppProcess, ROOT, SqsProcess } from '../../tools/testing/processes';

export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** One reading of everything that can hold a payment on its way, and each app's memory. */
export interface DepthSample {
  /** Seconds since the sampler started. */
  t: number;
  outbox: number;
  pending: number;
  sales: QueueDepth;
  salesDlq: number;
  status: QueueDepth;
  statusDlq: number;
  rssMb: Record<string, number>;
}

export interface MemoryReading {
  restMb?: number;
  peakMb: number;
  afterMb?: number;
}

/** The columns of a payment the bench reads back to measure latency and check totals. */
export interface PaymentTimes extends RowDataPacket {
  id: string;
  created_at: Date;
  completed_at: Date | null;
  status: string;
}

export interface SaleTimes extends RowDataPacket {
  payment_id: string;
  published_at: Date | null;
  received_at: Date | null;
  created_at: Date;
}

const APP_SETTINGS = {
  NODE_ENV: 'development',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
  AWS_REGION: 'us-east-1',
  SALES_QUEUE,
  PAYMENT_STATUS_QUEUE,
  RATE_LIMIT_PER_SECOND: '0',
  // A stopped consumer aborts its idle long poll, but the stand-in keeps that poll's waiter for
  // the rest of its wait and hands it up to 10 messages nobody reads, invisible for the 30 s
  // visibility timeout: every restart of an app would delay a batch by 30 s. A 1 s wait, and a
  // pause of more than that after each stop, keep restarts from skewing the figures.
  SQS_WAIT_TIME_SECONDS: '1',
  // As the image runs them (docker/Dockerfile).
  NODE_OPTIONS: '--max-old-space-size=160',
};

/** Longer than SQS_WAIT_TIME_SECONDS: a stopped consumer's long poll has expired. */
const STALE_POLL_MS = 1_500;

/** What may change between runs of the apps (profiling, pools, batch sizes). */
export interface AppTuning {
  customerApi: Record<string, string>;
  salesWorker: Record<string, string>;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The system under test: the SQS stand-in, the bench's databases, customer-api and sales-worker
 * from the built output. Owns every process and database it creates; `close()` removes them all.
 */
export class System {
  api?: AppProcess;
  worker?: AppProcess;
  readonly memory = new Map<string, MemoryReading>();
  private readonly extra = new Set<AppProcess>();
  private sampler?: NodeJS.Timeout;
  private sqs?: SqsProcess;
  private sqsClient?: SQSClient;
  private queues: CreatedQueue[] = [];
  private monitorPool?: Pool;
  private salesPool?: Pool;
  customerDb = '';
  salesDb = '';

  /** Where the apps' built output is (`<root>/apps/<app>/main.js`); compare.ts switches it. */
  distRoot = join(ROOT, 'dist');
  /**
   * Added to the apps' environment (compare.ts: a variant that differs by settings only): `K` to
   * both, `api:K` to customer-api only, `worker:K` to sales-worker only.
   */
  extraEnv: Record<string, string> = {};
  /** Sub-directory of the profile directory for the apps started next. */
  profileLabel = '';
  /**
   * Start the floor pipeline (bench/apps/floor/) in place of the apps: the same queues, tables
   * and settings, no framework. Its databases are migrated with the apps' migration lists.
   */
  floor = false;

  constructor(
    readonly databases: Databases,
    readonly workDir: string,
    private readonly tuning: AppTuning,
    private readonly profileDir?: string,
  ) {}

  get sqsEndpoint(): string {
    if (!this.sqs) {
      throw new Error('the SQS stand-in is not running');
    }
    return this.sqs.endpoint;
  }

  async startInfrastructure(): Promise<void> {
    this.sqs = await SqsProcess.start();
    this.sqsClient = createSqsClient({ region: 'us-east-1', endpoint: this.sqs.endpoint });
    this.queues = await ensureQueues(
      this.sqsClient,
      [SALES_QUEUE, PAYMENT_STATUS_QUEUE],
      DEFAULT_QUEUE_SETUP,
    );
    await this.freshDatabases('');
    // RSS is read four times a second, so a short peak is not missed.
    this.sampler = setInterval(() => this.sampleMemory(), 250);
  }

  /**
   * New, empty customer and sales databases for the apps started next (each app applies its own
   * migrations at start-up, as in production); `label` tells variants apart in bench/compare.ts.
   */
  async freshDatabases(label: string): Promise<void> {
    const suffix = label ? `_${label}` : '';
    // The apps migrate their own database at start-up; the floor's are migrated here.
    this.customerDb = await this.databases.create(
      `customer${suffix}`,
      this.floor ? 'customer' : undefined,
    );
    this.salesDb = await this.databases.create(`sales${suffix}`, this.floor ? 'sales' : undefined);
    await this.monitorPool?.end();
    await this.salesPool?.end();
    this.monitorPool = pool(this.customerDb, 2);
    this.salesPool = pool(this.salesDb, 1);
  }

  /** Stops both apps (SIGTERM: a CPU profile, when asked for, is written on exit). */
  async stopApps(): Promise<void> {
    await Promise.all([this.api?.stop(), this.worker?.stop()]);
    this.api = undefined;
    this.worker = undefined;
    await sleep(STALE_POLL_MS);
  }

  /** Starts a process that is not one of the two apps (noop ceiling, sync baseline). */
  async startExtra(name: string, script: string, env: Record<string, string>): Promise<AppProcess> {
    const port = await freePort();
    const app = await AppProcess.start({
      name,
      script: join(ROOT, script),
      env: { ...env, PORT: String(port) },
      port,
      logFile: join(this.workDir, `${name}.log`),
      readyPath: '/health/ready',
    });
    this.extra.add(app);
    return app;
  }

  private extraEnvOf(app: 'api' | 'worker'): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.extraEnv)) {
      const [scope, name] = key.includes(':') ? key.split(':', 2) : [app, key];
      if (scope === app) {
        env[name] = value;
      }
    }
    return env;
  }

  /**
   * The processes a payment passes through, for CPU accounting. MariaDB is the shared server:
   * its reading includes whatever other users ran on it meanwhile.
   */
  cpuPids(): Record<string, number | undefined> {
    const port = this.sqs?.port;
    return {
      'customer-api': this.api?.pid,
      'sales-worker': this.worker?.pid,
      mariadb: findPids(['mariadbd'])[0],
      'sqs stand-in': findPids(['sqs-stand-in.ts', 'loader.mjs'], `SQS_PORT=${port}`)[0],
      'load generator': process.pid,
    };
  }

  async stopExtra(app: AppProcess): Promise<void> {
    await app.stop();
    this.extra.delete(app);
  }

  async startApi(): Promise<AppProcess> {
    const port = await freePort();
    this.api = await AppProcess.start({
      name: this.floor ? 'floor-api' : 'customer-api',
      script: this.floor
        ? join(ROOT, 'bench/apps/floor/api.ts')
        : join(this.distRoot, 'apps/customer-api/main.js'),
      env: {
        ...APP_SETTINGS,
        SQS_ENDPOINT: this.sqsEndpoint,
        DATABASE_URL: databaseUrl(this.customerDb),
        PORT: String(port),
        ...this.tuning.customerApi,
        ...this.extraEnvOf('api'),
      },
      port,
      logFile: join(this.workDir, `${this.floor ? 'floor-api' : 'customer-api'}.log`),
      readyPath: '/health/ready',
      nodeArgs: this.profileArgs('customer-api'),
    });
    return this.api;
  }

  /** (Re)starts sales-worker; `overrides` change its settings for one phase. */
  async startWorker(overrides: Record<string, string> = {}): Promise<AppProcess> {
    if (this.worker) {
      await this.worker.stop();
      await sleep(STALE_POLL_MS);
    }
    const port = await freePort();
    this.worker = await AppProcess.start({
      name: this.floor ? 'floor-worker' : 'sales-worker',
      script: this.floor
        ? join(ROOT, 'bench/apps/floor/worker.ts')
        : join(this.distRoot, 'apps/sales-worker/main.js'),
      env: {
        ...APP_SETTINGS,
        SQS_ENDPOINT: this.sqsEndpoint,
        DATABASE_URL: databaseUrl(this.salesDb),
        PORT: String(port),
        ...this.tuning.salesWorker,
        ...this.extraEnvOf('worker'),
        ...overrides,
      },
      port,
      logFile: join(this.workDir, `${this.floor ? 'floor-worker' : 'sales-worker'}.log`),
      readyPath: '/health/ready',
      nodeArgs: this.profileArgs('sales-worker'),
    });
    return this.worker;
  }

  private profileArgs(name: string): string[] {
    if (!this.profileDir) {
      return [];
    }
    const dir = join(this.profileDir, this.profileLabel, name);
    mkdirSync(dir, { recursive: true });
    return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  }

  private sampleMemory(): void {
    for (const app of [this.api, this.worker, ...this.extra]) {
      if (!app?.running) {
        continue;
      }
      const kb = app.sample();
      if (kb !== undefined) {
        const reading = this.memory.get(app.name) ?? { peakMb: 0 };
        reading.peakMb = Math.max(reading.peakMb, kb / 1024);
        this.memory.set(app.name, reading);
      }
    }
  }

  /** Records each app's RSS now as its resting (before load) or after-load reading. */
  recordMemory(which: 'restMb' | 'afterMb'): void {
    for (const app of [this.api, this.worker]) {
      const kb = app?.sample();
      if (app && kb !== undefined) {
        const reading = this.memory.get(app.name) ?? { peakMb: 0 };
        reading[which] ??= kb / 1024;
        reading.peakMb = Math.max(reading.peakMb, kb / 1024);
        this.memory.set(app.name, reading);
      }
    }
  }

  private async queueDepth(url: string): Promise<QueueDepth> {
    const { Attributes = {} } = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }

  private get client(): SQSClient {
    if (!this.sqsClient) {
      throw new Error('the SQS stand-in is not running');
    }
    return this.sqsClient;
  }

  private get db(): Pool {
    if (!this.monitorPool) {
      throw new Error('the databases are not set up');
    }
    return this.monitorPool;
  }

  private queue(name: string): CreatedQueue {
    const queue = this.queues.find((q) => q.name === name);
    if (!queue) {
      throw new Error(`queue ${name} was not created`);
    }
    return queue;
  }

  async depth(t: number): Promise<DepthSample> {
    const sales = this.queue(SALES_QUEUE);
    const status = this.queue(PAYMENT_STATUS_QUEUE);
    const [[counts], salesDepth, salesDlq, statusDepth, statusDlq] = await Promise.all([
      this.db.query<RowDataPacket[]>(
        "SELECT (SELECT COUNT(*) FROM outbox) AS outbox, (SELECT COUNT(*) FROM payments WHERE status = 'PENDING') AS pending",
      ),
      this.queueDepth(sales.url),
      this.queueDepth(sales.dlqUrl),
      this.queueDepth(status.url),
      this.queueDepth(status.dlqUrl),
    ]);
    const rssMb: Record<string, number> = {};
    for (const app of [this.api, this.worker]) {
      const kb = app?.sample();
      if (app && kb !== undefined) {
        rssMb[app.name] = Math.round(kb / 1024);
      }
    }
    return {
      t,
      outbox: Number(counts[0]?.outbox ?? 0),
      pending: Number(counts[0]?.pending ?? 0),
      sales: salesDepth,
      salesDlq: salesDlq.visible + salesDlq.inFlight,
      status: statusDepth,
      statusDlq: statusDlq.visible + statusDlq.inFlight,
      rssMb,
    };
  }

  /** Samples `depth` every `everyMs` until `stop()` is called; the samples are kept in order. */
  startDepthSampler(everyMs: number): { samples: DepthSample[]; stop: () => Promise<void> } {
    const samples: DepthSample[] = [];
    const started = Date.now();
    let running = true;
    const loop = (async () => {
      while (running) {
        const tick = Date.now();
        try {
          samples.push(await this.depth((tick - started) / 1000));
        } catch {
          // a reading lost to load is a gap in the series, not a failed run
        }
        await sleep(Math.max(0, everyMs - (Date.now() - tick)));
      }
    })();
    return {
      samples,
      stop: async () => {
        running = false;
        await loop;
      },
    };
  }

  /**
   * Waits until nothing is on its way: no PENDING payment, empty outbox, empty queues. Answers
   * false when `timeoutMs` passes first.
   */
  async waitSettled(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const d = await this.depth(0);
      const inQueues = d.sales.visible + d.sales.inFlight + d.status.visible + d.status.inFlight;
      if (d.pending === 0 && d.outbox === 0 && inQueues === 0) {
        return true;
      }
      await sleep(250);
    }
    return false;
  }

  /** Every payment of a period with its accept and completion instants. */
  async paymentsOf(period: string): Promise<PaymentTimes[]> {
    const [rows] = await this.db.query<PaymentTimes[]>(
      'SELECT id, created_at, completed_at, status FROM payments WHERE period = ?',
      [period],
    );
    return rows;
  }

  /**
   * When sales-worker wrote each sale of a period (the sales DB's created_at): the worker's own
   * pace, ahead of the COMPLETED status that customer-api applies after it.
   */
  async salesWrittenAt(period: string): Promise<number[]> {
    if (!this.salesPool) {
      throw new Error('the databases are not set up');
    }
    // Read straight from the server, never through phase 5's slow proxy.
    const [rows] = await this.salesPool.query<RowDataPacket[]>(
      'SELECT created_at FROM sales WHERE period = ? ORDER BY created_at',
      [period],
    );
    return rows.map((r) => (r.created_at as Date).getTime());
  }

  /**
   * Each sale of a period with the instants sales-worker keeps: when its message was published
   * (SQS SentTimestamp) and received, and when the sale was written.
   */
  async saleTimesOf(period: string): Promise<SaleTimes[]> {
    if (!this.salesPool) {
      throw new Error('the databases are not set up');
    }
    const [hasHopColumns] = await this.salesPool.query<RowDataPacket[]>(
      "SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'sales' AND column_name = 'published_at'",
    );
    // A build from before migration 1796400000000 (a `--variant` of bench/compare.ts) keeps
    // neither instant: its hops after the accept read as unknown.
    const [rows] = await this.salesPool.query<SaleTimes[]>(
      hasHopColumns.length > 0
        ? 'SELECT payment_id, published_at, received_at, created_at FROM sales WHERE period = ?'
        : 'SELECT payment_id, NULL AS published_at, NULL AS received_at, created_at FROM sales WHERE period = ?',
      [period],
    );
    return rows;
  }

  /** The customer DB's own per-currency totals of a period (what was committed). */
  async customerTotals(
    period: string,
  ): Promise<{ currency: string; count: number; amount: number }[]> {
    const [rows] = await this.db.query<RowDataPacket[]>(
      'SELECT currency, COUNT(*) AS count, SUM(amount) AS amount FROM payments WHERE period = ? GROUP BY currency ORDER BY currency',
      [period],
    );
    return rows.map((r) => ({
      currency: String(r.currency),
      count: Number(r.count),
      amount: Number(r.amount),
    }));
  }

  /** What the sales DB holds for a period, through sales-worker's own read API. */
  async salesTotals(
    period: string,
  ): Promise<{ currency: string; count: number; amount: number }[]> {
    if (!this.worker) {
      throw new Error('sales-worker is not running');
    }
    const res = await fetch(`${this.worker.url}/sales?period=${period}`);
    if (!res.ok) {
      throw new Error(`GET /sales?period=${period} answered ${res.status}`);
    }
    const body = (await res.json()) as {
      totals: { currency: string; count: number; amount: string }[];
    };
    // Totals are decimal strings (libs/contracts money.ts); a bench's stay far below 2^53.
    return body.totals
      .map((t) => ({ ...t, amount: Number(t.amount) }))
      .sort((a, b) => a.currency.localeCompare(b.currency));
  }

  async close(): Promise<void> {
    clearInterval(this.sampler);
    const apps = [this.api, this.worker, ...this.extra].filter(
      (app): app is AppProcess => app !== undefined,
    );
    await Promise.allSettled(apps.map((app) => app.stop()));
    await this.monitorPool?.end().catch(() => undefined);
    await this.salesPool?.end().catch(() => undefined);
    this.sqsClient?.destroy();
    await this.sqs?.stop();
  }
}

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { parse } from 'yaml';
import { loadEnvironment as loadCustomerApiEnvironment } from '../../apps/customer-api/src/config/environment.module';
import { CustomerApiEnvironment } from '../../apps/customer-api/src/config/environment';
import { loadEnvironment as loadSalesWorkerEnvironment } from '../../apps/sales-worker/src/config/environment.module';
import { SalesWorkerEnvironment } from '../../apps/sales-worker/src/config/environment';
import { DEFAULT_QUEUE_SETUP } from '@app/messaging/queue-setup';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts/queues';

type Environment = Record<string, string | null>;

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[];
  environment?: Environment;
  ports?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  profiles?: string[];
}

interface ComposeFile {
  services: Record<string, ComposeService>;
}

const ROOT = path.resolve(__dirname, '..', '..');
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as ComposeFile;
const initSql = readFileSync(path.join(ROOT, 'docker', 'mysql', '01-databases.sql'), 'utf8');

const APPS = [
  { service: 'customer-api', port: 3000, database: 'customer', published: '3000:3000' },
  // The worker's reads need no key: published on the host's loopback only.
  { service: 'sales-worker', port: 3001, database: 'sales', published: '127.0.0.1:3001:3001' },
] as const;
/** The standard OTEL_* variables compose passes through (README, Operations → Tracing). */
const OTEL_VARIABLES = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_TRACES_SAMPLER',
];

const LONG_RUNNING = ['mysql', 'localstack', 'customer-api', 'sales-worker'];

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (!found) {
    throw new Error(`docker-compose.yml has no service ${name}`);
  }
  return found;
}

/** The value Compose hands the container when the shell sets nothing: `${NAME:-default}`. */
function resolved(value: string | null | undefined): string | undefined {
  return value?.replace(
    /\$\{[A-Z0-9_]+(?::?-([^}]*))?\}/g,
    (_, fallback?: string) => fallback ?? '',
  );
}

function env(name: string): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(service(name).environment ?? {}).map(([key, value]) => [key, resolved(value)]),
  );
}

function seconds(duration: string | undefined): number {
  const match = /^(\d+)s$/.exec(duration ?? '');
  if (!match) {
    throw new Error(`not a duration in seconds: ${String(duration)}`);
  }
  return Number(match[1]);
}

describe('docker-compose.yml', () => {
  it('should define MySQL 8.0, LocalStack, the queue setup step and both apps', () => {
    const byDefault = Object.entries(compose.services).filter(([, s]) => !s.profiles?.length);
    expect(byDefault.map(([name]) => name).sort()).toEqual(
      ['customer-api', 'localstack', 'mysql', 'queue-setup', 'sales-worker'].sort(),
    );
    expect(service('mysql').image).toBe('mysql:8.0');
    expect(service('localstack').image).toMatch(/^localstack\/localstack:\d+\.\d+/);
    expect(env('localstack').SERVICES).toContain('sqs');
  });

  it('should start the tracing backend only with the tracing profile', () => {
    const optional = Object.entries(compose.services).filter(([, s]) => s.profiles?.length);
    expect(optional.map(([name, s]) => [name, s.profiles])).toEqual([['jaeger', ['tracing']]]);
  });

  it.each(LONG_RUNNING)('should give %s a healthcheck', (name) => {
    const { healthcheck } = service(name);
    expect(healthcheck?.disable).not.toBe(true);
    expect(healthcheck?.test?.[0]).toMatch(/^CMD(-SHELL)?$/);
  });

  it('should only name existing services in depends_on', () => {
    const names = Object.keys(compose.services);
    for (const definition of Object.values(compose.services)) {
      for (const dependency of Object.keys(definition.depends_on ?? {})) {
        expect(names).toContain(dependency);
      }
    }
  });

  it('should keep every environment value a string, as Compose requires', () => {
    for (const definition of Object.values(compose.services)) {
      for (const value of Object.values(definition.environment ?? {})) {
        expect(value === null || typeof value === 'string').toBe(true);
      }
    }
  });

  it('should create the queues with queue-admin once LocalStack is healthy', () => {
    const setup = service('queue-setup');
    expect(setup.build).toEqual({
      context: '.',
      dockerfile: 'docker/Dockerfile',
      args: { APP: 'queue-admin' },
    });
    expect(setup.command).toEqual(['node', 'dist/apps/queue-admin/main.js', 'setup']);
    expect(setup.depends_on).toEqual({ localstack: { condition: 'service_healthy' } });
    expect(env('queue-setup')).toMatchObject({
      AWS_REGION: expect.any(String),
      SQS_ENDPOINT: 'http://localstack:4566',
      SALES_QUEUE,
      PAYMENT_STATUS_QUEUE,
      MAX_RECEIVE_COUNT: String(DEFAULT_QUEUE_SETUP.maxReceiveCount),
    });
  });

  describe.each(APPS)('$service', ({ service: name, port, database, published }) => {
    it('should be built from docker/Dockerfile with its own APP', () => {
      expect(service(name).build).toEqual({
        context: '.',
        dockerfile: 'docker/Dockerfile',
        args: { APP: name },
      });
    });

    it('should start after MySQL and LocalStack are healthy and the queues exist', () => {
      expect(service(name).depends_on).toEqual({
        mysql: { condition: 'service_healthy' },
        localstack: { condition: 'service_healthy' },
        'queue-setup': { condition: 'service_completed_successfully' },
      });
    });

    it(`should listen on ${port} and publish it as ${published} unless told otherwise`, () => {
      expect(env(name).PORT).toBe(String(port));
      expect(service(name).ports?.map(resolved)).toEqual([published]);
    });

    it('should probe readiness, so healthy means its database and SQS answer', () => {
      expect(service(name).healthcheck?.test).toEqual([
        'CMD',
        'node',
        'healthcheck.js',
        '/health/ready',
      ]);
    });

    it(`should use its own database, ${database}, through a user granted only that one`, () => {
      const url = new URL(env(name).DATABASE_URL ?? '');
      expect(url.protocol).toBe('mysql:');
      expect(url.hostname).toBe('mysql');
      expect(url.port).toBe('3306');
      expect(url.pathname).toBe(`/${database}`);
      expect(initSql).toContain(`CREATE DATABASE IF NOT EXISTS ${database} `);
      expect(initSql).toContain(
        `CREATE USER IF NOT EXISTS '${url.username}'@'%' IDENTIFIED BY '${url.password}';`,
      );
      const grants = [...initSql.matchAll(/GRANT .+ ON (\S+) TO '([^']+)'/g)];
      expect(grants.filter(([, , user]) => user === url.username).map(([, on]) => on)).toEqual([
        `${database}.*`,
      ]);
    });

    it('should reach SQS on LocalStack with the contract queues', () => {
      expect(env(name)).toMatchObject({
        AWS_REGION: env('queue-setup').AWS_REGION,
        SQS_ENDPOINT: 'http://localstack:4566',
        SALES_QUEUE,
        PAYMENT_STATUS_QUEUE,
      });
    });

    it('should run migrations and log JSON in production mode', () => {
      expect(env(name)).toMatchObject({
        NODE_ENV: 'production',
        DATABASE_MIGRATIONS_RUN: 'true',
        LOG_FORMAT: 'json',
      });
    });

    it('should be given more time to stop than its shutdown budget', () => {
      const budgetMs = Number(env(name).SHUTDOWN_TIMEOUT_MS);
      expect(budgetMs).toBeGreaterThan(0);
      expect(seconds(service(name).stop_grace_period) * 1000).toBeGreaterThan(budgetMs);
    });
  });

  it.each(APPS)('should give $service the maxReceiveCount the queues are created with', (app) => {
    // The same expression, so overriding MAX_RECEIVE_COUNT in the shell changes all three.
    expect(service(app.service).environment?.MAX_RECEIVE_COUNT).toBe(
      service('queue-setup').environment?.MAX_RECEIVE_COUNT,
    );
    expect(env(app.service).MAX_RECEIVE_COUNT).toBe(env('queue-setup').MAX_RECEIVE_COUNT);
  });
});

describe("docker-compose.yml against the apps' own configuration", () => {
  const configs = {
    'customer-api': { load: loadCustomerApiEnvironment, cls: CustomerApiEnvironment },
    'sales-worker': { load: loadSalesWorkerEnvironment, cls: SalesWorkerEnvironment },
  } as const;

  it.each(APPS.map((app) => app.service))(
    'should give %s an environment its validation accepts, naming only variables it reads',
    (name) => {
      const { load, cls } = configs[name];
      const given = Object.fromEntries(
        Object.entries(env(name)).filter(([, value]) => value !== undefined && value !== ''),
      );
      const config = load(given);
      expect(config.NODE_ENV).toBe('production');
      expect(config.DATABASE_URL).toMatch(/^mysql:\/\//);

      const known = new Set(
        getMetadataStorage()
          .getTargetValidationMetadatas(cls, '', true, false)
          .map((m) => m.propertyName),
      );
      // Read by the OpenTelemetry SDK (libs/telemetry/src/start.ts), not by the app's own class.
      OTEL_VARIABLES.forEach((key) => known.add(key));
      expect(Object.keys(env(name)).filter((key) => !known.has(key))).toEqual([]);
    },
  );
});

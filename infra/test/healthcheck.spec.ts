import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

const SCRIPT = path.resolve(__dirname, '..', '..', 'docker', 'healthcheck.js');

/** Runs the probe as Docker does and answers its exit code. */
function probe(env: Record<string, string>, args: string[] = []): Promise<number> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SCRIPT, ...args],
      { env: { PATH: process.env.PATH, ...env }, timeout: 10_000 },
      (err) => resolve(err ? Number(err.code ?? 1) : 0),
    );
  });
}

describe('docker/healthcheck.js', () => {
  let server: Server;
  let port: string;
  const requested: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      requested.push(request.url ?? '');
      response.statusCode = request.url === '/health/ready' ? 503 : 200;
      response.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = String((server.address() as AddressInfo).port);
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  it('should pass when /health/live answers 2xx', async () => {
    await expect(probe({ APP: 'customer-api', PORT: port })).resolves.toBe(0);
    expect(requested.at(-1)).toBe('/health/live');
  });

  it('should fail when the probed path answers 503', async () => {
    await expect(probe({ APP: 'sales-worker', PORT: port }, ['/health/ready'])).resolves.toBe(1);
    expect(requested.at(-1)).toBe('/health/ready');
  });

  it('should fail when nothing listens', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const unused = String((closed.address() as AddressInfo).port);
    closed.close();
    await once(closed, 'close');
    await expect(probe({ APP: 'customer-api', PORT: unused })).resolves.toBe(1);
  });

  it('should count a project without an HTTP server as healthy', async () => {
    await expect(probe({ APP: 'queue-admin' })).resolves.toBe(0);
  });
});

import { request as httpRequest } from 'node:http';
import { networkInterfaces } from 'node:os';
import { createTestDatabase, TestDatabase } from '../../../tools/testing/databases';
import { freePort } from '../../../tools/testing/ports';
import { createTestQueues, testSqsClient } from '../../../tools/testing/queues';
import { startSalesWorker, Worker } from './sales-worker.harness';

const READ = '/sales/payments/01a2189a-22ad-7408-a371-7e9ffa893415';

/** The status of GET `path` on host:port, or the connection error's code. */
function probe(host: string, port: number, path: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpRequest({ host, port, path, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('ETIMEDOUT')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

/**
 * Addresses of this machine a caller from elsewhere would use: 127.0.0.2 (loopback on Linux, but
 * not the address the worker binds by default) and every non-internal IPv4 interface.
 */
function outsideAddresses(): string[] {
  const external = Object.values(networkInterfaces())
    .flat()
    .filter((i) => i && i.family === 'IPv4' && !i.internal)
    .map((i) => i!.address);
  return ['127.0.0.2', ...external];
}

describe("sales-worker's read API exposure", () => {
  let db: TestDatabase;
  let worker: Worker | undefined;

  beforeEach(async () => {
    db = await createTestDatabase('sqlite', 'exposure');
  });

  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await db.drop();
  });

  it('should listen on loopback only by default, refusing a caller from another address', async () => {
    worker = await startSalesWorker(db, await createTestQueues(testSqsClient()));
    expect(worker.env.HOST).toBe('127.0.0.1');
    const port = await freePort();
    await worker.app.listen(port, worker.env.HOST);

    expect(await probe('127.0.0.1', port, READ)).toBe(404);
    for (const address of outsideAddresses()) {
      expect([address, await probe(address, port, READ)]).toEqual([address, 'ECONNREFUSED']);
    }
  });

  it('should answer other addresses only when HOST says so (the probe can tell)', async () => {
    worker = await startSalesWorker(db, await createTestQueues(testSqsClient()), {
      HOST: '0.0.0.0',
    });
    const port = await freePort();
    await worker.app.listen(port, worker.env.HOST);
    expect(await probe('127.0.0.2', port, READ)).toBe(404);
  });
});

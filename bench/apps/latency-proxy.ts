/**
 * tools/testing's TcpProxy in a process of its own, so the delays it adds are not stretched by
 * the load generator's busy event loop. Commands arrive on stdin, one a line: `latency <ms>`
 * (each way, per chunk); stdin closing (the bench ended, however) stops it.
 */
import { createInterface } from 'node:readline';
import { TcpProxy } from '../../tools/testing/tcp-proxy';

async function main(): Promise<void> {
  const proxy = await TcpProxy.start('127.0.0.1', Number(process.env.TARGET_PORT ?? 3306));
  const stop = (): void => void proxy.close().then(() => process.exit(0));
  createInterface({ input: process.stdin })
    .on('line', (line) => {
      const [command, value] = line.trim().split(/\s+/);
      if (command === 'latency') {
        proxy.setLatency(Number(value));
        process.stdout.write(`ok latency ${Number(value)}\n`);
      }
    })
    .on('close', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(`listening ${proxy.port}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`latency proxy failed: ${String(err)}\n`);
  process.exit(1);
});

import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface, Interface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../../tools/testing/processes';

/** Drives bench/apps/latency-proxy.ts: a TCP proxy to MariaDB with adjustable latency. */
export class LatencyProxy {
  private readonly waiting: ((line: string) => void)[] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly lines: Interface,
    readonly port: number,
  ) {
    lines.on('line', (line) => this.waiting.shift()?.(line));
  }

  static async start(targetPort: number): Promise<LatencyProxy> {
    const child = spawn(
      process.execPath,
      [
        '--require',
        join(ROOT, 'node_modules/tsx/dist/preflight.cjs'),
        '--import',
        pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
        join(ROOT, 'bench/apps/latency-proxy.ts'),
      ],
      { cwd: ROOT, env: { ...process.env, TARGET_PORT: String(targetPort) }, stdio: 'pipe' },
    );
    child.stderr.pipe(process.stderr);
    const lines = createInterface({ input: child.stdout });
    const first = await Promise.race([
      once(lines, 'line') as Promise<string[]>,
      once(child, 'exit').then(() => {
        throw new Error('latency proxy exited during start-up');
      }),
    ]);
    const match = /^listening (\d+)$/.exec(first[0] ?? '');
    if (!match) {
      child.kill('SIGKILL');
      throw new Error(`latency proxy said ${first[0]}`);
    }
    return new LatencyProxy(child, lines, Number(match[1]));
  }

  /** Delay added to every chunk in each direction: a round trip gets twice this. */
  async setLatency(msEachWay: number): Promise<void> {
    const answered = new Promise<string>((resolve) => this.waiting.push(resolve));
    this.child.stdin?.write(`latency ${msEachWay}\n`);
    await answered;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return;
    }
    const exited = once(this.child, 'exit');
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    this.lines.close();
  }
}

import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, cpSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './http';

export const ROOT = join(__dirname, '..', '..');

export type AppName = 'customer-api' | 'sales-worker' | 'queue-admin';

/** Every child this run started and that may still run: killed by pid if the run dies. */
const live = new Set<ChildProcess>();

/** Last resort on exit or Ctrl-C: SIGKILL what is left, synchronously, by pid. */
export function killLeftovers(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
  }
  live.clear();
}

export function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/**
 * Copies the built apps aside, so that another engineer's `npm run build` halfway through this
 * run cannot hand a restarted app a different (or half-written) build. node_modules stays
 * where it is: NODE_PATH points the apps' requires at it.
 */
export function snapshotBuild(dir: string): string {
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

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From the signal to the exit, when we sent one. */
  ms: number;
}

/**
 * One app as a container runs it: `node dist/apps/<app>/main.js` with its environment, its
 * output appended to a log file. Faults are real signals sent to the process.
 */
export class AppProcess {
  private child?: ChildProcess;
  private exited?: Promise<ExitInfo>;
  /** Times the process was started: each start appends to the same log. */
  starts = 0;

  constructor(
    readonly name: AppName,
    readonly port: number,
    private readonly env: Record<string, string>,
    readonly logPath: string,
    private readonly buildDir: string,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null);
  }

  async start(readyTimeoutMs = 60_000): Promise<void> {
    if (this.running) {
      throw new Error(`${this.name} is already running`);
    }
    const log = openSync(this.logPath, 'a');
    const child = spawn(process.execPath, [join(this.buildDir, this.name, 'main.js')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_PATH: join(ROOT, 'node_modules'),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...this.env,
      },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    track(child);
    this.child = child;
    this.starts += 1;
    const started = Date.now();
    this.exited = once(child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
      ms: Date.now() - started,
    }));
    await this.waitReady(readyTimeoutMs);
  }

  /** Polls /health/ready until 200; fails early when the process dies. */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(`${this.name} exited while starting; see ${this.logPath}`);
      }
      try {
        const res = await fetch(`${this.baseUrl}/health/ready`, {
          signal: AbortSignal.timeout(2_000),
        });
        await res.arrayBuffer();
        if (res.ok) {
          return;
        }
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms; see ${this.logPath}`);
  }

  /** GET /metrics, the Prometheus text. */
  async metrics(): Promise<string> {
    const res = await fetch(`${this.baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return res.text();
  }

  /** Sends `signal` and waits for the exit, at most `timeoutMs` (then SIGKILL, and throws). */
  async signal(signal: NodeJS.Signals, timeoutMs = 30_000): Promise<ExitInfo> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited || !this.running) {
      throw new Error(`${this.name} is not running`);
    }
    const sent = Date.now();
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    const info = await Promise.race([exited, late]);
    clearTimeout(timer);
    if (!info) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`${this.name} did not exit within ${timeoutMs} ms of ${signal}`);
    }
    return { ...info, ms: Date.now() - sent };
  }

  /** Stops it if it runs: SIGTERM (SIGKILL after a while), or SIGKILL at once. Never throws. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (this.running) {
      await this.signal(signal, 15_000).catch(() => undefined);
    }
  }
}

import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = join(__dirname, '..', '..');
export const HOST = '127.0.0.1';

export interface AppProcessOptions {
  /** Label for logs and results (`customer-api`, `sales-worker`, `noop`, …). */
  name: string;
  /** The entry point: a built `dist/…/main.js`, or a `.ts` file run through tsx's loader. */
  script: string;
  env: Record<string, string>;
  port: number;
  /** stdout and stderr go here: the bench's own output stays a table. */
  logFile: string;
  /** Answers 200 once the process can take load. */
  readyPath: string;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  startTimeoutMs?: number;
}

/** VmRSS of a process in KiB, from /proc; undefined once it has gone. */
export function residentKb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * One app as its own node process (never through a wrapper, so `pid` is the app and its RSS is
 * the app's). Stopped with SIGTERM so it shuts down the way it does in production, and so
 * `--cpu-prof` gets to write its profile; SIGKILL only when that takes too long.
 */
export class AppProcess {
  private exited = false;
  private readonly exit: Promise<void>;
  /** Largest VmRSS seen by `sample()`, in KiB. */
  peakRssKb = 0;

  private constructor(
    readonly options: AppProcessOptions,
    private readonly child: ChildProcess,
  ) {
    this.exit = new Promise((resolve) =>
      child.once('exit', () => {
        this.exited = true;
        resolve();
      }),
    );
  }

  static async start(options: AppProcessOptions): Promise<AppProcess> {
    const loader = options.script.endsWith('.ts')
      ? [
          '--require',
          join(ROOT, 'node_modules/tsx/dist/preflight.cjs'),
          '--import',
          pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
        ]
      : [];
    const log = openSync(options.logFile, 'a');
    const child = spawn(
      process.execPath,
      [...(options.nodeArgs ?? []), ...loader, options.script],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          ...options.env,
        },
        stdio: ['ignore', log, log],
      },
    );
    closeSync(log);
    const app = new AppProcess(options, child);
    try {
      await app.waitReady(options.startTimeoutMs ?? 60_000);
    } catch (err) {
      await app.stop(5_000);
      throw err;
    }
    return app;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get name(): string {
    return this.options.name;
  }

  get url(): string {
    return `http://${HOST}:${this.options.port}`;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Reads VmRSS now and keeps the peak. */
  sample(): number | undefined {
    const kb = residentKb(this.pid);
    if (kb !== undefined && kb > this.peakRssKb) {
      this.peakRssKb = kb;
    }
    return kb;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) {
        throw new Error(`${this.name} exited during start-up; see ${this.options.logFile}`);
      }
      try {
        const res = await fetch(`${this.url}${this.options.readyPath}`, {
          signal: AbortSignal.timeout(1_000),
        });
        if (res.ok) {
          return;
        }
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(
      `${this.name} was not ready after ${timeoutMs} ms; see ${this.options.logFile}`,
    );
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the process has exited. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.exited) {
      return;
    }
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exit;
    clearTimeout(timer);
  }
}

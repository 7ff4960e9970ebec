import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from './ports';

/**
 * The one home of the processes tests, the fault suite and the bench start: an app (built or
 * from source), a one-off command run to its exit, and the SQS stand-in. Every child is tracked
 * so that `killLeftovers` can SIGKILL it by pid when the runner dies.
 */
export const ROOT = join(__dirname, '..', '..');
export const HOST = '127.0.0.1';

/** Children started here that may still run. */
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

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * node's arguments for `script`: a built `.js` as is, a `.ts` file through tsx's loader. Never
 * through a wrapper process, so the child's pid is the app's (signals, RSS, CPU).
 */
function nodeArgv(script: string, args: string[] = [], nodeArgs: string[] = []): string[] {
  const loader = script.endsWith('.ts')
    ? [
        '--require',
        join(ROOT, 'node_modules/tsx/dist/preflight.cjs'),
        '--import',
        pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
      ]
    : [];
  return [...nodeArgs, ...loader, script, ...args];
}

/** Only what is given: a test's environment never leaks into the app it starts. */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...env,
  };
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

export interface AppProcessOptions {
  /** Label for logs and results (`customer-api`, `sales-worker`, `noop`, …). */
  name: string;
  /** The entry point: a built `dist/…/main.js`, or a `.ts` file run through tsx's loader. */
  script: string;
  /** The app's environment (PATH is added; nothing else is inherited). */
  env: Record<string, string>;
  port: number;
  /** stdout and stderr are appended here; each start appends to the same file. */
  logFile: string;
  /** Answers 200 once the process can take load; /health/ready unless told. */
  readyPath?: string;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  startTimeoutMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From the start, or from the signal when one was sent, to the exit. */
  ms: number;
}

/**
 * One app as a container runs it: its own node process with its environment. Faults are real
 * signals sent to it; `start` again after an exit restarts it on the same port and log.
 */
export class AppProcess {
  private child?: ChildProcess;
  private exited?: Promise<ExitInfo>;
  /** Times the process was started. */
  starts = 0;
  /** Largest VmRSS seen by `sample()`, in KiB. */
  peakRssKb = 0;

  constructor(readonly options: AppProcessOptions) {}

  /** A new process, ready; stopped again if it does not get ready. */
  static async start(options: AppProcessOptions): Promise<AppProcess> {
    const app = new AppProcess(options);
    await app.start();
    return app;
  }

  get name(): string {
    return this.options.name;
  }

  get port(): number {
    return this.options.port;
  }

  get url(): string {
    return `http://${HOST}:${this.options.port}`;
  }

  get logFile(): string {
    return this.options.logFile;
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  get running(): boolean {
    return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null);
  }

  async start(): Promise<void> {
    if (this.running) {
      throw new Error(`${this.name} is already running`);
    }
    const { script, nodeArgs, env, logFile } = this.options;
    const log = openSync(logFile, 'a');
    const child = spawn(process.execPath, nodeArgv(script, [], nodeArgs), {
      cwd: ROOT,
      env: childEnv(env),
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
    try {
      await this.waitReady(this.options.startTimeoutMs ?? 60_000);
    } catch (err) {
      await this.stop('SIGTERM', 5_000);
      throw err;
    }
  }

  /** Polls the ready path until 200; fails early when the process dies. */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const path = this.options.readyPath ?? '/health/ready';
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(`${this.name} exited while starting; see ${this.logFile}`);
      }
      try {
        const res = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.ok) {
          return;
        }
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms; see ${this.logFile}`);
  }

  /** Reads VmRSS now and keeps the peak. */
  sample(): number | undefined {
    const kb = residentKb(this.pid);
    if (kb !== undefined && kb > this.peakRssKb) {
      this.peakRssKb = kb;
    }
    return kb;
  }

  /** GET /metrics, the Prometheus text. */
  async metrics(): Promise<string> {
    const res = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
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

  /**
   * Stops it if it runs and resolves once it has exited: SIGTERM by default, so it shuts down
   * as in production (and `--cpu-prof` writes its profile), SIGKILL after `timeoutMs`. Never
   * throws.
   */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', timeoutMs = 30_000): Promise<void> {
    if (this.running) {
      await this.signal(signal, timeoutMs).catch(() => undefined);
    }
  }
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs a script (built `.js` or `.ts`) to its exit, as an operator runs a one-off command, and
 * keeps its output. SIGKILLed after `timeoutMs`: a command that never ends is a finding, not a
 * reason to hang.
 */
export async function runCommand(options: {
  script: string;
  args?: string[];
  env: Record<string, string | undefined>;
  timeoutMs?: number;
}): Promise<CommandResult> {
  const child = spawn(process.execPath, nodeArgv(options.script, options.args), {
    cwd: ROOT,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr, timedOut };
}

/**
 * The SQS stand-in as a child process, so a test can stop it (SQS outage) and start it again on
 * the same port. Its queues live in memory: a restart starts empty, like a new region.
 */
export class SqsProcess {
  private child?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(port?: number): Promise<SqsProcess> {
    const sqs = new SqsProcess(port ?? (await freePort()));
    await sqs.start();
    return sqs;
  }

  get endpoint(): string {
    return `http://${HOST}:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        join(ROOT, 'tools', 'sqs-stand-in.ts'),
      ],
      {
        env: { ...process.env, SQS_PORT: String(this.port), SQS_EXIT_WITH_PARENT: '1' },
        stdio: ['pipe', 'pipe', 'ignore'],
      },
    );
    track(child);
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('SQS stand-in did not start in 20 s')),
        20_000,
      );
      child.once('exit', (code) => reject(new Error(`SQS stand-in exited with ${String(code)}`)));
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) {
      return;
    }
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}

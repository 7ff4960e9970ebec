import { ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { prettyFactory } from 'pino-pretty';

export interface AppSpec {
  name: string;
  host: string;
  port: number;
  main: string;
  env: Record<string, string>;
  /** Extra `node` flags, e.g. `--inspect=127.0.0.1:9229`. */
  nodeFlags: string[];
}

export interface OutputOptions {
  /** Every log line (else warnings and errors only). */
  verbose: boolean;
  write: (line: string) => void;
}

const WARN = 40;
const KEEP_LINES = 30;

/** Raised when an app exits before it is ready: its last lines say why. */
export class AppFailedError extends Error {
  constructor(
    readonly app: string,
    readonly exit: string,
    readonly lastLines: string[],
  ) {
    super(`${app} could not start (${exit})`);
  }
}

/**
 * One app as a child process. Its JSON log lines are shown pretty, prefixed with its name (only
 * warnings and errors unless verbose); the last lines are kept to explain a failure. It counts
 * as ready once it has logged that it listens (so the port is its own, not another process's)
 * and answers /health/ready.
 */
export class AppProcess {
  private child?: ChildProcess;
  private listening = false;
  private exited?: string;
  private readonly lastLines: string[] = [];
  private readonly pretty = prettyFactory({
    colorize: Boolean(process.stdout.isTTY),
    translateTime: 'HH:MM:ss',
    ignore: 'pid,hostname,service',
    singleLine: true,
  });

  constructor(
    readonly spec: AppSpec,
    private readonly output: OutputOptions,
  ) {}

  get url(): string {
    return `http://${this.spec.host}:${this.spec.port}`;
  }

  start(): void {
    this.listening = false;
    this.exited = undefined;
    const child = spawn(process.execPath, [...this.spec.nodeFlags, this.spec.main], {
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.onLine(line));
    }
    child.on('exit', (code, signal) => {
      this.exited = signal ?? `exit code ${String(code)}`;
    });
  }

  /** Resolves once ready; rejects with AppFailedError if the process exits first. */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited !== undefined) {
        throw new AppFailedError(this.spec.name, this.exited, [...this.lastLines]);
      }
      if (this.listening && (await this.answersReady())) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new AppFailedError(this.spec.name, `not ready after ${timeoutMs / 1000} s`, [
      ...this.lastLines,
    ]);
  }

  /** Resolves when the process exits (at once if it is not running). */
  exitedPromise(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return Promise.resolve();
    }
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }

  async stop(): Promise<void> {
    const exited = this.exitedPromise();
    this.child?.kill('SIGTERM');
    await exited;
  }

  private async answersReady(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  private onLine(line: string): void {
    let level = WARN;
    let shown = line;
    if (line.startsWith('{')) {
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string };
        level = entry.level ?? WARN;
        if (entry.msg?.startsWith(`${this.spec.name} listening on `)) {
          this.listening = true;
        }
        shown = this.pretty(entry).trimEnd();
      } catch {
        // not a log line: shown as it is
      }
    }
    const prefixed = `[${this.spec.name}] ${shown}`;
    this.lastLines.push(prefixed);
    if (this.lastLines.length > KEEP_LINES) {
      this.lastLines.shift();
    }
    if (this.output.verbose || level >= WARN) {
      this.output.write(prefixed);
    }
  }
}

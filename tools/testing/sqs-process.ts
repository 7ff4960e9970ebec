import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { freePort } from './ports';

const ROOT = join(__dirname, '..', '..');

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
    return `http://127.0.0.1:${this.port}`;
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

import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { freePort } from '../tools/testing/ports';
import { ROOT } from '../tools/testing/processes';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The README's code blocks marked `<!-- readme-test -->`, in order. */
function markedBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/<!-- readme-test -->\s*\n```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** `npm start` as a user runs it, on free ports and its own data folder, AWS settings unset. */
function launcherEnv(ports: { api: number; worker: number; sqs: number }, dataDir: string) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(AWS_|SQS_|DATABASE_|SALES_DATABASE_|START_)/.test(name)) {
      delete env[name];
    }
  }
  return {
    ...env,
    CUSTOMER_API_PORT: String(ports.api),
    SALES_WORKER_PORT: String(ports.worker),
    SQS_PORT: String(ports.sqs),
    DATA_DIR: dataDir,
  };
}

interface Launcher {
  child: ChildProcess;
  output: string[];
  /** Resolves with the exit code, or 'ready' once the launcher says so. */
  outcome: Promise<number | 'ready'>;
}

function launch(env: NodeJS.ProcessEnv): Launcher {
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), ['tools/start.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const outcome = new Promise<number | 'ready'>((resolveOutcome) => {
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      output.push(...lines);
      // The banner's last line follows "ready in".
      if (
        output.some((l) => l.includes('[launcher] ready in')) &&
        lines.some((l) => l.startsWith('Ctrl-C'))
      ) {
        resolveOutcome('ready');
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => resolveOutcome(code ?? 1));
  });
  return { child, output, outcome };
}

async function stop(launcher: Launcher): Promise<void> {
  if (launcher.child.exitCode === null && launcher.child.signalCode === null) {
    const exited = new Promise((r) => launcher.child.once('exit', r));
    launcher.child.kill('SIGINT');
    await exited;
  }
}

function runBlock(block: string, env: NodeJS.ProcessEnv): { status: number | null; out: string } {
  const result = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', block], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

describe('README', () => {
  it('should link only to files inside the repository', () => {
    const targets = [...README.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    const local = targets.filter((t) => !/^(https?:|mailto:|#)/.test(t));
    expect(local.length).toBeGreaterThan(0);
    const broken = local.filter((t) => {
      const path = resolve(ROOT, t.split('#')[0]);
      return relative(ROOT, path).startsWith('..') || !existsSync(path);
    });
    expect(broken).toEqual([]);
  });

  it('should name the ports npm start uses and how to move them', () => {
    for (const variable of ['CUSTOMER_API_PORT', 'SALES_WORKER_PORT', 'SQS_PORT']) {
      expect(README).toContain(`\`${variable}\``);
    }
  });

  describe('beside a running npm start', () => {
    let launcher: Launcher;
    let env: NodeJS.ProcessEnv;
    let api: number;
    let worker: number;

    beforeAll(async () => {
      api = await freePort();
      worker = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), 'readme-'));
      env = launcherEnv({ api, worker, sqs: await freePort() }, dataDir);
      launcher = launch(env);
      await expect(launcher.outcome).resolves.toBe('ready');
    }, 180_000);

    afterAll(() => stop(launcher), 60_000);

    it('should print one quiet screen: the URLs, a curl with an Idempotency-Key, the DLQ command', () => {
      const screen = launcher.output.filter((l) => !l.startsWith('>') && l.trim() !== '');
      expect(screen.length).toBeLessThanOrEqual(24);
      const text = screen.join('\n');
      expect(text).toContain(`http://127.0.0.1:${api}/docs`);
      expect(text).toContain(`http://127.0.0.1:${api}/`);
      expect(text).toContain(`http://127.0.0.1:${worker}/sales?period=`);
      expect(text).toMatch(/curl .*\n.*Idempotency-Key/);
      expect(text).toContain('npm run dlq -- list');
      expect(text).not.toMatch(/health\/ready|request completed/);
    });

    it("should run the README's curl session as pasted: accepted, replayed, completed, counted", () => {
      const [session] = markedBlocks(README);
      expect(session).toContain('Idempotency-Key');
      const { status, out } = runBlock(session, {
        ...env,
        API: `http://127.0.0.1:${api}`,
        WORKER: `http://127.0.0.1:${worker}`,
      });
      expect({ status, out }).toMatchObject({ status: 0 });
      expect(out).toMatch(/HTTP\/1\.1 202 Accepted/);
      expect(out).toContain('"status":"COMPLETED"');
      const month = new Date().toISOString().slice(0, 7);
      expect(out).toContain(
        `{"period":"${month}","totals":[{"currency":"USD","count":1,"amount":"12500"}]}`,
      );
    }, 90_000);

    it("should run the README's DLQ command as printed, against the local stand-in", () => {
      const [, dlq] = markedBlocks(README);
      expect(dlq).toContain('npm run --silent dlq -- list');
      const { status, out } = runBlock(dlq, env);
      expect({ status, out }).toMatchObject({ status: 0 });
      expect(out).toContain('0 message(s) in sales-dlq');
      expect(out).toContain('queue-admin: the local SQS stand-in of npm start');
      expect(out).not.toMatch(/NodeVersionSupportWarning|credentials/);
    }, 90_000);
  });

  describe('npm start when it cannot start', () => {
    it('should name a port in use and the variable that moves it, and start nothing', async () => {
      const holder: Server = createServer();
      const port = await freePort();
      await new Promise<void>((r) => holder.listen(port, '127.0.0.1', r));
      try {
        const env = launcherEnv(
          { api: port, worker: await freePort(), sqs: await freePort() },
          mkdtempSync(join(tmpdir(), 'readme-')),
        );
        const launcher = launch(env);
        await expect(launcher.outcome).resolves.toBe(1);
        expect(launcher.output.join('\n')).toContain(
          `port ${port} (customer-api) is taken by another process: stop it, or move this one with CUSTOMER_API_PORT=<port> npm start`,
        );
        expect(launcher.output.join('\n')).not.toContain('ready');
      } finally {
        holder.close();
      }
    }, 60_000);

    it('should give up on an app that exits before it is ready, with its last lines', async () => {
      const env = {
        ...launcherEnv(
          { api: await freePort(), worker: await freePort(), sqs: await freePort() },
          mkdtempSync(join(tmpdir(), 'readme-')),
        ),
        WORKER_BATCH_SIZE: '99',
      };
      const launcher = launch(env);
      await expect(launcher.outcome).resolves.toBe(1);
      const text = launcher.output.join('\n');
      expect(text).toMatch(/sales-worker could not start \(exit code 1\); its last lines:/);
      expect(text).toContain('WORKER_BATCH_SIZE');
      expect(text).not.toContain('ready in');
    }, 180_000);
  });
});

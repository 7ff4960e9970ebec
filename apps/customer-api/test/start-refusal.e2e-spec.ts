import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');

/** Runs customer-api's main as a process, as the image does, and waits for it to exit. */
function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'apps/customer-api/src/main.ts'],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`customer-api did not exit: ${stderr}`));
    }, 45_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stderr });
    });
  });
}

describe('customer-api start in production', () => {
  // Nothing listens on port 1: a process that got past its configuration would fail elsewhere.
  const production = { NODE_ENV: 'production', DATABASE_URL: 'mysql://u:p@127.0.0.1:1/none' };

  it('should refuse to start without API keys, naming the variable and the opt-in', async () => {
    const { code, stderr } = await start(production);
    expect(code).toBe(1);
    expect(stderr).toMatch(/customer-api failed to start: Invalid configuration/);
    expect(stderr).toMatch(/API_KEYS: production .* ALLOW_ANONYMOUS_API=true/s);
  });

  it('should refuse a keys file that holds only comments', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'api-keys');
    writeFileSync(file, '# alpha:aaaaaaaaaaaaaaaaaaaa\n\n');
    const { code, stderr } = await start({ ...production, API_KEYS_FILE: file });
    expect(code).toBe(1);
    expect(stderr).toMatch(/ALLOW_ANONYMOUS_API=true/);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCommand } from '../../../tools/testing/processes';

/** Runs customer-api's main as a process, as the image does, and waits for it to exit. */
async function start(
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const { code, stderr, timedOut } = await runCommand({
    script: join(ROOT, 'apps/customer-api/src/main.ts'),
    env,
    timeoutMs: 45_000,
  });
  if (timedOut) {
    throw new Error(`customer-api did not exit: ${stderr}`);
  }
  return { code, stderr };
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

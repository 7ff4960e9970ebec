/**
 * `npx tsx bench/build-variant.ts <outDir> [--files <path>,<path>…] [--at <rev>|worktree]
 * [--source <dir>]`: builds customer-api and sales-worker from a snapshot of the working tree (or
 * of an earlier variant's `--source` copy) into `<outDir>/dist`, with the listed files taken as
 * they were at `<rev>` (default HEAD), or as they are now in the working tree. Build "before"
 * from the tree with the changed files at their old revision, then "after" with `--source
 * <before> --at worktree`: the two differ only by those files, however much else the shared
 * tree changes meanwhile. `bench/compare.ts` then runs them side by side. Read-only towards
 * the repository (copies, and `git show`).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ROOT } from '../tools/testing/processes';

const COPIED = ['apps', 'libs', 'nest-cli.json', 'tsconfig.json', 'package.json'];

function main(): void {
  const args = process.argv.slice(2);
  const out = args[0] ? resolve(args[0]) : '';
  if (!out || out === ROOT || out.startsWith(`${ROOT}/`)) {
    throw new Error('usage: build-variant.ts <outDir outside the repo> [--files a,b] [--at rev]');
  }
  const option = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const files = (option('files') ?? '').split(',').filter(Boolean);
  const rev = option('at') ?? 'HEAD';
  const from = option('source') ? resolve(option('source') ?? '') : ROOT;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const entry of COPIED) {
    cpSync(join(from, entry), join(out, entry), {
      recursive: true,
      filter: (src) => !src.includes('/node_modules') && !src.endsWith('.sqlite'),
    });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'));
  for (const path of files) {
    const content =
      rev === 'worktree'
        ? readFileSync(join(ROOT, path))
        : execFileSync('git', ['show', `${rev}:${path}`], { cwd: ROOT });
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), content);
    process.stdout.write(`${path}: as at ${rev}\n`);
  }
  const nest = join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');
  for (const app of ['customer-api', 'sales-worker']) {
    execFileSync(process.execPath, [nest, 'build', app], { cwd: out, stdio: 'inherit' });
  }
  process.stdout.write(`built ${out}/dist\n`);
}

main();

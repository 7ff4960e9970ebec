/**
 * `npm run build`: compiles every app with SWC, one file at a time, into a self-contained folder
 * per app: `dist/apps/<app>/main.js` with the app's sources beside it and the libraries it
 * imports under `dist/apps/<app>/libs/<lib>/` (the `@app/*` imports rewritten to relative
 * paths). A file whose output is newer than its source is not compiled again.
 *
 * SWC strips types without checking them (decorator metadata included, which Nest's injection
 * needs); `npm run typecheck` is the type check. Three webpack builds one after another took
 * 27–34 s each on this 2-core machine; this takes about a second from clean.
 *
 *   npm run build [-- --quiet] [-- --clean]
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { transform, type Options } from '@swc/core';

const ROOT = join(__dirname, '..');
export const APPS = ['customer-api', 'sales-worker', 'queue-admin'] as const;
const LIBS = ['contracts', 'messaging', 'platform', 'telemetry'] as const;

const SWC_OPTIONS: Options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    // tsconfig.json: experimentalDecorators + emitDecoratorMetadata, target ES2022 (so class
    // fields are defined, as tsc and the webpack build did).
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: true,
  swcrc: false,
  configFile: false,
};

interface Unit {
  source: string;
  output: string;
  /** Where the app's copy of each library starts, for the `@app/*` rewrite. */
  libRoot: string;
}

async function sourcesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !/\.(spec|e2e-spec|d)\.ts$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

async function unitsOf(app: string): Promise<Unit[]> {
  const out = join(ROOT, 'dist', 'apps', app);
  const libRoot = join(out, 'libs');
  const units: Unit[] = [];
  const appSrc = join(ROOT, 'apps', app, 'src');
  for (const source of await sourcesUnder(appSrc)) {
    units.push({ source, output: join(out, relative(appSrc, source)), libRoot });
  }
  for (const lib of LIBS) {
    const libSrc = join(ROOT, 'libs', lib, 'src');
    for (const source of await sourcesUnder(libSrc)) {
      units.push({ source, output: join(libRoot, lib, relative(libSrc, source)), libRoot });
    }
  }
  return units.map((u) => ({ ...u, output: u.output.replace(/\.ts$/, '.js') }));
}

async function mtime(path: string): Promise<number> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return -1;
  }
}

/** `require("@app/platform/x")` → `require("../libs/platform/x")`, relative to the output. */
function rewriteAliases(code: string, unit: Unit): string {
  return code.replace(
    /require\("@app\/(contracts|messaging|platform|telemetry)(\/[^"]*)?"\)/g,
    (_match, lib: string, sub: string | undefined) => {
      let target = relative(dirname(unit.output), join(unit.libRoot, lib, sub ?? 'index'));
      target = target.split(sep).join('/');
      return `require("${target.startsWith('.') ? target : `./${target}`}")`;
    },
  );
}

async function compile(unit: Unit): Promise<void> {
  const source = await readFile(unit.source, 'utf8');
  const result = await transform(source, {
    ...SWC_OPTIONS,
    filename: unit.source,
    sourceFileName: relative(dirname(unit.output), unit.source),
  });
  await mkdir(dirname(unit.output), { recursive: true });
  const mapName = `${unit.output.slice(unit.output.lastIndexOf(sep) + 1)}.map`;
  await writeFile(
    unit.output,
    `${rewriteAliases(result.code, unit)}\n//# sourceMappingURL=${mapName}\n`,
  );
  if (result.map) {
    await writeFile(`${unit.output}.map`, result.map);
  }
}

export interface BuildResult {
  compiled: number;
  upToDate: number;
  ms: number;
}

/** Builds the apps; only files whose source (or this script) is newer than their output. */
export async function build(
  apps: readonly string[] = APPS,
  progress: (line: string) => void = () => undefined,
): Promise<BuildResult> {
  const started = Date.now();
  const builderTime = await mtime(__filename);
  let compiled = 0;
  let upToDate = 0;
  for (const app of apps) {
    // A folder this builder did not write (a webpack bundle, say) is replaced whole.
    const stamp = join(ROOT, 'dist', 'apps', app, '.swc-build');
    if ((await mtime(stamp)) < 0) {
      await rm(dirname(stamp), { recursive: true, force: true });
    }
    const units = await unitsOf(app);
    const stale: Unit[] = [];
    for (const unit of units) {
      const out = await mtime(unit.output);
      if (out < (await mtime(unit.source)) || out < builderTime) {
        stale.push(unit);
      }
    }
    await Promise.all(stale.map(compile));
    await mkdir(dirname(stamp), { recursive: true });
    await writeFile(stamp, '');
    compiled += stale.length;
    upToDate += units.length - stale.length;
    progress(
      `${app.padEnd(13)} ${stale.length === 0 ? 'up to date' : `${stale.length} of ${units.length} files compiled`}`,
    );
  }
  return { compiled, upToDate, ms: Date.now() - started };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const quiet = args.includes('--quiet');
  const say = (line: string): void => {
    if (!quiet) {
      process.stdout.write(`[build] ${line}\n`);
    }
  };
  (async () => {
    if (args.includes('--clean')) {
      await Promise.all(
        APPS.map((app) => rm(join(ROOT, 'dist', 'apps', app), { recursive: true, force: true })),
      );
    }
    const result = await build(APPS, say);
    say(
      `${result.compiled} compiled, ${result.upToDate} up to date, ${(result.ms / 1000).toFixed(1)} s`,
    );
  })().catch((err: unknown) => {
    process.stderr.write(
      `[build] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}

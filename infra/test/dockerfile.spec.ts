import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { IgnoreStrategy } from 'aws-cdk-lib';

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  name?: string;
  base: string;
  instructions: Instruction[];
}

const ROOT = path.resolve(__dirname, '..', '..');
const dockerfile = readFileSync(path.join(ROOT, 'docker', 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8');

/** Instructions as the builder reads them: comments dropped, continuation lines joined. */
function instructionsOf(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return logical
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** Stages, their FROM expanded with the defaults of the ARGs declared before the first FROM. */
function stagesOf(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = [];
  const globals = new Map<string, string>();
  const expand = (text: string): string =>
    text.replace(/\$\{(\w+)\}/g, (whole, name: string) => globals.get(name) ?? whole);
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [base, as, name] = instruction.args.split(/\s+/);
      stages.push({
        base: expand(base),
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        instructions: [],
      });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name, value = ''] = instruction.args.split('=');
      globals.set(name, expand(value));
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

const stages = stagesOf(instructionsOf(dockerfile));
const runtime = stages[stages.length - 1];

function all(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

function stageNamed(name: string): Stage {
  const stage = stages.find((s) => s.name === name);
  if (!stage) {
    throw new Error(`Dockerfile has no stage ${name}`);
  }
  return stage;
}

/** The image's Node must satisfy package.json `engines.node` (a `>=A.B <C` range). */
function nodeMajorRange(): { min: number; below: number } {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    engines: { node: string };
  };
  const match = /^>=\s*(\d+)(?:\.\d+)*\s+<\s*(\d+)$/.exec(pkg.engines.node);
  if (!match) {
    throw new Error(`unexpected engines.node: ${pkg.engines.node}`);
  }
  return { min: Number(match[1]), below: Number(match[2]) };
}

describe('docker/Dockerfile', () => {
  it('should build on a slim Node image the project supports, an even (LTS) major', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const match = /^node:(\d+)-([a-z]+)-slim$/.exec(stageNamed('base').base);
    expect(match).not.toBeNull();
    const major = Number(match?.[1]);
    const { min, below } = nodeMajorRange();
    expect(major).toBeGreaterThanOrEqual(min);
    expect(major).toBeLessThan(below);
    expect(major % 2).toBe(0);
  });

  it('should run on the same Debian release, slim, with only the node binary copied in', () => {
    const distro = /^node:\d+-([a-z]+)-slim$/.exec(stageNamed('base').base)?.[1];
    expect(runtime.base).toBe(`debian:${distro}-slim`);
    expect(all(runtime, 'COPY')).toContain('--from=base /usr/local/bin/node /usr/local/bin/node');
  });

  it('should leave better-sqlite3 (embedded mode only) and its compiler out of the image', () => {
    const install = all(stageNamed('prod-deps'), 'RUN').join('\n');
    expect(install).toMatch(/npm ci --omit=dev --omit=optional --ignore-scripts/);
    expect(install).not.toMatch(/apt-get|g\+\+|rebuild/);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    expect(pkg.dependencies['better-sqlite3']).toBeUndefined();
    expect(pkg.optionalDependencies?.['better-sqlite3']).toBeDefined();
  });

  it('should build every app once, as npm run build does, and take the app where it runs', () => {
    expect(all(stageNamed('build'), 'ARG')).not.toContain('APP');
    expect(all(stageNamed('build'), 'RUN').join('\n')).toMatch(/npx tsx tools\/build\.ts\b/);
    expect(all(runtime, 'ARG')).toContain('APP');
    expect(all(runtime, 'RUN').join('\n')).toMatch(/test -f "dist\/apps\/\$\{APP\}\/main\.js"/);
  });

  it('should install with npm ci, production dependencies only in the image', () => {
    expect(all(stageNamed('build'), 'RUN').join('\n')).toMatch(/npm ci\b/);
    expect(all(stageNamed('prod-deps'), 'RUN').join('\n')).toMatch(/npm ci --omit=dev/);
    const copies = all(runtime, 'COPY');
    expect(copies).toContain('--from=prod-deps /app/node_modules ./node_modules');
    expect(copies).toContain('--from=build /app/dist/apps/${APP} ./dist/apps/${APP}');
  });

  it('should install the root package alone, never the infra workspace (the CDK)', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      workspaces?: string[];
      devDependencies: Record<string, string>;
    };
    expect(pkg.workspaces).toEqual(['infra']);
    expect(pkg.devDependencies['aws-cdk-lib']).toBeUndefined();
    for (const stage of ['build', 'prod-deps']) {
      const installs = all(stageNamed(stage), 'RUN')
        .join('\n')
        .match(/npm ci[^&\n]*/g);
      expect(installs).not.toBeNull();
      for (const install of installs ?? []) {
        expect(install).toMatch(/--workspaces=false\b/);
      }
    }
  });

  it('should run as a non-root user with NODE_ENV=production', () => {
    const users = all(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    expect(all(runtime, 'ENV').join(' ')).toMatch(/\bNODE_ENV=production\b/);
  });

  it('should probe the app with node, not curl', () => {
    const [healthcheck] = all(runtime, 'HEALTHCHECK');
    expect(healthcheck).toMatch(/CMD \["node", "healthcheck\.js"\]$/);
    expect(all(runtime, 'COPY')).toContain('docker/healthcheck.js ./');
  });

  it('should start node dist/apps/<app>/main.js in exec form, node replacing the shell', () => {
    const commands = all(runtime, 'CMD');
    expect(commands).toHaveLength(1);
    const command = JSON.parse(commands[0]) as string[];
    expect(command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(command[2]).toMatch(/^exec node "dist\/apps\/\$\{APP\}\/main\.js"$/);
    expect(all(runtime, 'ENV').join(' ')).toMatch(/\bAPP=\$\{APP\}/);
  });

  it('should copy only files that exist and that .dockerignore lets into the context', () => {
    const ignore = IgnoreStrategy.docker(ROOT, dockerignore.split('\n'));
    const sources = stages
      .flatMap((stage) => all(stage, 'COPY'))
      .filter((args) => !args.startsWith('--from='))
      .flatMap((args) => args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((source) => !existsSync(path.join(ROOT, source)))).toEqual([]);
    expect(sources.filter((source) => ignore.ignores(path.join(ROOT, source)))).toEqual([]);
  });

  it.each(['customer-api', 'sales-worker', 'queue-admin'])(
    'should build %s, an app tools/build.ts builds and nest-cli.json knows',
    (app) => {
      const nestCli = JSON.parse(readFileSync(path.join(ROOT, 'nest-cli.json'), 'utf8')) as {
        projects: Record<string, { type: string }>;
      };
      expect(nestCli.projects[app]?.type).toBe('application');
      expect(readFileSync(path.join(ROOT, 'tools', 'build.ts'), 'utf8')).toContain(`'${app}'`);
    },
  );
});

describe('.dockerignore', () => {
  const ignore = IgnoreStrategy.docker(ROOT, dockerignore.split('\n'));

  it.each([
    'node_modules/typeorm/package.json',
    'libs/contracts/node_modules/x/index.js',
    'dist/apps/customer-api/main.js',
    'data/customer-api.sqlite',
    '.git/HEAD',
    'coverage/lcov.info',
    'cdk.out/manifest.json',
    'infra/lib/payments-stack.ts',
    'bench/results/run.json',
    'tools/start.ts',
    '.env',
    'apps/customer-api/test/payments.e2e-spec.ts',
    'libs/messaging/src/retry-policy.spec.ts',
  ])('should keep %s out of the build context', (file) => {
    expect(ignore.ignores(path.join(ROOT, file))).toBe(true);
  });

  it.each([
    'package.json',
    'package-lock.json',
    'nest-cli.json',
    'tsconfig.json',
    'apps/customer-api/src/main.ts',
    'apps/customer-api/tsconfig.app.json',
    'libs/contracts/src/index.ts',
    'docker/Dockerfile',
    'docker/healthcheck.js',
    'tools/build.ts',
  ])('should send %s to the build', (file) => {
    expect(ignore.ignores(path.join(ROOT, file))).toBe(false);
  });
});

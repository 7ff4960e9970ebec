import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  license: string;
  engines: { node: string };
  scripts: Record<string, string>;
};

/** What a NestJS user expects to find in a repository (issue 18, finding 7). */
describe('repository conventions', () => {
  it('should carry the license package.json names', () => {
    expect(pkg.license).toBe('MIT');
    expect(read('LICENSE')).toMatch(/^MIT License\n/);
  });

  it('should have CONTRIBUTING (run, test, bench, migration), a CHANGELOG and .env.example', () => {
    const contributing = read('CONTRIBUTING.md');
    for (const topic of ['npm start', 'npm run check', 'npm run bench', 'migration:generate']) {
      expect(contributing).toContain(topic);
    }
    expect(read('CHANGELOG.md')).toContain('## Unreleased');
    expect(read('.env.example')).toMatch(/^# CUSTOMER_API_PORT=3000$/m);
  });

  it('should have development and debug start scripts', () => {
    expect(pkg.scripts['start:dev']).toContain('--watch');
    expect(pkg.scripts['start:debug']).toContain('--inspect');
  });

  it('should group NestJS and AWS SDK updates in the dependency-update configuration', () => {
    const renovate = JSON.parse(read('renovate.json')) as {
      packageRules: { groupName?: string; matchPackageNames?: string[] }[];
    };
    const groupOf = (name: string) =>
      renovate.packageRules.find((rule) => rule.matchPackageNames?.includes(name))?.groupName;
    expect(groupOf('@nestjs/**')).toBe('NestJS');
    expect(groupOf('@aws-sdk/**')).toBe('AWS SDK');
  });

  it("should answer the AWS SDK's Node 22 notice: Node 24 allowed, the date documented", () => {
    const below = /<\s*(\d+)/.exec(pkg.engines.node)?.[1];
    expect(below === undefined || Number(below) > 24).toBe(true);
    expect(read('README.md')).toMatch(/January 2027[\s\S]{0,40}Node 22/);
    expect(existsSync(join(ROOT, 'renovate.json'))).toBe(true);
  });
});

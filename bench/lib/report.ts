import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../tools/testing/processes';
import { ratio } from './stats';

/** One line of the printed table; every figure is also given against the two ceilings. */
export interface Row {
  figure: string;
  value: number;
  unit: string;
  /** The value over the raw transaction ceiling (throughputs) . */
  vsRaw?: number;
  /** The value over the no-op endpoint (throughputs and latencies). */
  vsNoop?: number;
  target?: string;
  met?: boolean;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const DEPENDENCIES = [
  '@nestjs/core',
  '@nestjs/platform-fastify',
  'fastify',
  'typeorm',
  'mysql2',
  '@aws-sdk/client-sqs',
  '@ssut/nestjs-sqs',
  'sqs-consumer',
  'class-validator',
  'class-transformer',
  'pino',
  'fauxqs',
  'autocannon',
  'tsx',
];

export function versions(mariadb: string): Record<string, string> {
  const found: Record<string, string> = { node: process.version, mariadb };
  for (const name of DEPENDENCIES) {
    try {
      const pkg = JSON.parse(
        readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
      ) as { version: string };
      found[name] = pkg.version;
    } catch {
      found[name] = 'not installed';
    }
  }
  return found;
}

export function machine(): {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  kernel: string;
  loadAverage: number[];
} {
  const cpu = cpus();
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** The commit measured and whether the tree had local changes (read-only git calls). */
export function source(): { commit: string; changedFiles: number } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim();
    const status = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT }).toString();
    return { commit, changedFiles: status.split('\n').filter(Boolean).length };
  } catch {
    return { commit: 'unknown', changedFiles: -1 };
  }
}

function fmt(value: number | undefined, digits = 1): string {
  if (value === undefined || !Number.isFinite(value)) {
    return '–';
  }
  if (Math.abs(value) >= 100) {
    return Math.round(value).toLocaleString('en-US');
  }
  return value.toFixed(digits);
}

function fmtRatio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '' : `${value.toFixed(2)}×`;
}

export function formatTable(rows: readonly Row[]): string {
  const cells = rows.map((r) => [
    r.figure,
    `${fmt(r.value)} ${r.unit}`,
    fmtRatio(r.vsRaw),
    fmtRatio(r.vsNoop),
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const header = ['figure', 'value', '× raw tx', '× no-op', 'target', 'met'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string =>
    c.map((v, i) => (i === 0 || i >= 4 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)].join(
    '\n',
  );
}

export function formatChecks(checks: readonly Check[]): string {
  return checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`).join('\n');
}

/** A throughput row with both ceiling ratios. */
export function throughputRow(
  figure: string,
  value: number,
  ceilings: { raw?: number; noop?: number },
  target?: { text: string; met: boolean },
): Row {
  return {
    figure,
    value,
    unit: '/s',
    vsRaw: ratio(value, ceilings.raw),
    vsNoop: ratio(value, ceilings.noop),
    target: target?.text,
    met: target?.met,
  };
}

/** A latency row against the no-op endpoint's latency at the same percentile. */
export function latencyRow(
  figure: string,
  valueMs: number,
  noopMs: number | undefined,
  target?: { text: string; met: boolean },
): Row {
  return {
    figure,
    value: valueMs,
    unit: 'ms',
    vsNoop: ratio(valueMs, noopMs),
    target: target?.text,
    met: target?.met,
  };
}

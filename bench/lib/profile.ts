import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of a V8 `.cpuprofile` (as written by `node --cpu-prof`) read here. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileEntry {
  name: string;
  /** Self time, ms. */
  selfMs: number;
  /** Share of the busy (non-idle) time, %. */
  busyPct: number;
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  busyMs: number;
  /** Busy time / wall time: how much of one core the process used. */
  cpuShare: number;
  byPackage: ProfileEntry[];
  byFunction: ProfileEntry[];
  /** Busy time inside each subtree whose root frame names one of `inclusive`'s needles. */
  inclusive: ProfileEntry[];
}

/** Where a frame's code comes from: an npm package, the app bundle, node itself, or V8. */
function packageOf(url: string, functionName: string): string {
  if (!url) {
    return functionName.startsWith('(') ? functionName : '(native)';
  }
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) {
    return match[1];
  }
  if (url.startsWith('node:')) {
    return 'node:internals';
  }
  if (url.includes('/dist/apps/')) {
    return 'app bundle';
  }
  return url.replace(/^file:\/\//, '').replace(/.*\/work\/main\//, '');
}

function top(map: Map<string, number>, busyMs: number, n: number): ProfileEntry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({
      name,
      selfMs: Math.round(us / 1000),
      busyPct: Math.round((us / 1000 / busyMs) * 1000) / 10,
    }));
}

/**
 * Self time by package and by function, and inclusive time under chosen functions (e.g.
 * `validateSync`, `transaction`), from one CPU profile.
 */
export function summarizeProfile(
  file: string,
  inclusiveNeedles: readonly string[] = [],
  n = 20,
  window: { fromMs?: number; toMs?: number } = {},
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const selfUs = new Map<number, number>();
  // Only the samples inside the window (ms since the profile started): start-up's module
  // loading and compilation would otherwise crowd out what the load costs.
  const fromUs = (window.fromMs ?? 0) * 1000;
  const toUs = (window.toMs ?? Number.POSITIVE_INFINITY) * 1000;
  let clockUs = 0;
  let firstUs = Number.NaN;
  let lastUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    clockUs += delta;
    if (clockUs >= fromUs && clockUs <= toUs) {
      firstUs = Number.isNaN(firstUs) ? clockUs : firstUs;
      lastUs = clockUs;
      selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    }
  });
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let idleUs = 0;
  let totalUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${pkg}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  // Inclusive time: a subtree is counted once, from its outermost frame matching the needle.
  const inclusive = new Map<string, number>();
  const subtreeUs = (id: number): number => {
    const node = byId.get(id);
    if (!node) {
      return 0;
    }
    let sum = node.callFrame.functionName === '(idle)' ? 0 : (selfUs.get(id) ?? 0);
    for (const child of node.children ?? []) {
      sum += subtreeUs(child);
    }
    return sum;
  };
  const walk = (id: number, open: ReadonlySet<string>): void => {
    const node = byId.get(id);
    if (!node) {
      return;
    }
    let next = open;
    for (const needle of inclusiveNeedles) {
      if (!open.has(needle) && node.callFrame.functionName === needle) {
        inclusive.set(needle, (inclusive.get(needle) ?? 0) + subtreeUs(id));
        next = new Set([...next, needle]);
      }
    }
    for (const child of node.children ?? []) {
      walk(child, next);
    }
  };
  if (profile.nodes[0]) {
    walk(profile.nodes[0].id, new Set());
  }
  const busyMs = (totalUs - idleUs) / 1000;
  const wallMs = Number.isNaN(firstUs) ? 0 : (lastUs - firstUs) / 1000;
  return {
    file,
    wallMs: Math.round(wallMs),
    busyMs: Math.round(busyMs),
    cpuShare: Math.round((busyMs / wallMs) * 100) / 100,
    byPackage: top(byPackage, busyMs, n),
    byFunction: top(byFunction, busyMs, n),
    inclusive: top(inclusive, busyMs, inclusiveNeedles.length),
  };
}

export function formatProfile(summary: ProfileSummary): string {
  const lines = [
    `${summary.file}: ${summary.busyMs} ms busy of ${summary.wallMs} ms (${summary.cpuShare} of a core)`,
    '  self time by package:',
    ...summary.byPackage.map((e) => `    ${String(e.busyPct).padStart(5)}%  ${e.name}`),
    '  self time by function:',
    ...summary.byFunction.map((e) => `    ${String(e.busyPct).padStart(5)}%  ${e.name}`),
  ];
  if (summary.inclusive.length > 0) {
    lines.push(
      '  inclusive time under:',
      ...summary.inclusive.map((e) => `    ${String(e.busyPct).padStart(5)}%  ${e.name}`),
    );
  }
  return lines.join('\n');
}

/** Functions whose inclusive CPU time the profile summary reports. */
export const PROFILED_FUNCTIONS = [
  'validateSync',
  'transformAndValidate',
  'accept',
  'applyAll',
  'record',
  'drain',
  'publishBatch',
  'stringify',
];

export function profileSummaries(dir: string): ProfileSummary[] {
  const summaries: ProfileSummary[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        walk(join(d, entry.name));
      } else if (entry.name.endsWith('.cpuprofile')) {
        summaries.push(summarizeProfile(join(d, entry.name), PROFILED_FUNCTIONS));
      }
    }
  };
  walk(dir);
  return summaries;
}

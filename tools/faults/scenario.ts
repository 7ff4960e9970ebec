import { readFileSync } from 'node:fs';
import type { Cluster, ClusterOptions, Harness } from './cluster';
import type { Verdict } from './invariants';

/** Figures of the bad-input scenario, printed in their own table. */
export interface FuzzFigures {
  requests: number;
  client4xx: number;
  server5xx: number;
  /** 2xx: bad input accepted. */
  accepted: number;
  noAnswer: number;
  /** 4xx answers that are not application/problem+json. */
  notProblem: number;
}

export interface ScenarioOutcome extends Verdict {
  fuzz?: FuzzFigures;
}

export interface ScenarioContext {
  harness: Harness;
  /** A progress line, prefixed with the scenario. */
  log: (line: string) => void;
}

export interface Scenario {
  id: number;
  name: string;
  run(context: ScenarioContext): Promise<ScenarioOutcome>;
}

/** Runs `work` on a fresh cluster and always releases it (processes, proxies, databases). */
export async function withCluster<T>(
  harness: Harness,
  options: ClusterOptions,
  work: (cluster: Cluster) => Promise<T>,
): Promise<T> {
  const cluster = await harness.cluster(options);
  try {
    return await work(cluster);
  } finally {
    await harness.release(cluster);
  }
}

/** The JSON lines of an app's log (pino), skipping anything that is not JSON. */
export function logLines(path: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('{')) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a line cut short by SIGKILL
      }
    }
  }
  return lines;
}

/** How many messages the worker found already counted (redeliveries), from its log. */
export function duplicatesLogged(cluster: Cluster): number {
  return logLines(cluster.worker.logPath).filter(
    (l) => l.msg === 'sale recorded' && l.duplicate === true,
  ).length;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

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
  /**
   * Runs beside the others from the start of the run (its own cluster, databases and SQS
   * stand-in): the long outages overlap the rest instead of adding to the run's length.
   */
  background?: boolean;
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
  return logLines(cluster.worker.logFile).filter(
    (l) => l.msg === 'sale recorded' && l.duplicate === true,
  ).length;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The pauses an app's consumer logged (the breaker): how many, and the longest. */
export function pausesLogged(logPath: string): {
  paused: number;
  resumed: number;
  longestMs: number;
} {
  const lines = logLines(logPath).filter((l) => String(l.msg).startsWith('consumer of '));
  const paused = lines.filter((l) => String(l.msg).includes(' paused: ')).length;
  const resumed = lines.filter((l) => String(l.msg).includes(' resumed: '));
  const longestMs = Math.max(0, ...resumed.map((l) => Number(l.pausedMs) || 0));
  return { paused, resumed: resumed.length, longestMs };
}

/** Payments the worker recorded on a second or later delivery of their message. */
export function recordedAfterRedelivery(cluster: Cluster): number {
  return logLines(cluster.worker.logFile).filter(
    (l) => l.msg === 'sale recorded' && Number(l.attempt) > 1,
  ).length;
}

/** Deliveries the worker logged as failed and retried (failures counted against a message). */
export function retriesLogged(cluster: Cluster): number {
  return logLines(cluster.worker.logFile).filter(
    (l) => l.msg === 'payment.recorded failed; retrying',
  ).length;
}

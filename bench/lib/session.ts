import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessCleanup } from './cleanup';
import { Databases } from '../../tools/testing/databases';
import { log, Settings } from '../phases/settings';
import { System } from './system';

/** What one run of bench/run.ts or bench/compare.ts works in, and what it cleans up. */
export interface BenchSession {
  startedAt: Date;
  /** `20261126_194844`: names the databases, the log folder and the results file. */
  runId: string;
  workDir: string;
  profileDir?: string;
  system: System;
  cleanup: ProcessCleanup;
}

/**
 * A log folder, databases named after the run and the system of processes, with their cleanup
 * registered (also on Ctrl-C): the databases are dropped and every process stopped.
 */
export function openSession(kind: 'bench' | 'compare', settings: Settings): BenchSession {
  const startedAt = new Date();
  const runId = startedAt.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '_');
  const workDir = mkdtempSync(join(tmpdir(), `${kind}-${runId}-`));
  const profileDir = settings.profile ? join(workDir, 'profiles') : undefined;
  const databases = new Databases(`bench_${runId.toLowerCase()}`);
  const system = new System(databases, workDir, settings.tuning, profileDir);
  const cleanup = new ProcessCleanup(log);
  cleanup.add(() => databases.dropAll());
  cleanup.add(() => system.close());
  return { startedAt, runId, workDir, profileDir, system, cleanup };
}

import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `$DATA_DIR/launcher.json` (data/), written while `npm start` runs and removed when it stops: where the
 * local system is, so that `npm run dlq` beside it finds the SQS stand-in without AWS settings
 * (apps/queue-admin/src/local-stand-in.ts reads it).
 */
export interface LauncherState {
  pid: number;
  region: string;
  sqsEndpoint: string;
  apiUrl: string;
  workerUrl: string;
}

export function stateFilePath(dataDir: string): string {
  return join(dataDir, 'launcher.json');
}

export async function writeState(dataDir: string, state: LauncherState): Promise<void> {
  await writeFile(stateFilePath(dataDir), `${JSON.stringify(state, null, 2)}\n`);
}

export async function removeState(dataDir: string): Promise<void> {
  await rm(stateFilePath(dataDir), { force: true });
}

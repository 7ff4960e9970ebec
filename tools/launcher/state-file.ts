import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `data/launcher.json`, written while `npm start` runs and removed when it stops: where the
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

export function stateFilePath(root: string): string {
  return join(root, 'data', 'launcher.json');
}

export async function writeState(root: string, state: LauncherState): Promise<void> {
  await writeFile(stateFilePath(root), `${JSON.stringify(state, null, 2)}\n`);
}

export async function removeState(root: string): Promise<void> {
  await rm(stateFilePath(root), { force: true });
}

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface SqsTarget {
  region: string;
  endpoint?: string;
  /** One line for stderr saying which SQS this is, so nobody acts on the wrong one unawares. */
  description: string;
}

/** What tools/start.ts writes to `$DATA_DIR/launcher.json` (data/) while `npm start` runs. */
interface LauncherState {
  pid: number;
  region: string;
  sqsEndpoint: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function runningLauncher(dataDir: string): LauncherState | undefined {
  const file = join(dataDir, 'launcher.json');
  if (!existsSync(file)) {
    return undefined;
  }
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as LauncherState;
    return typeof state.sqsEndpoint === 'string' && isAlive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}

/** AWS is meant when something names credentials or a region; nothing is guessed. */
function awsConfigured(env: NodeJS.ProcessEnv): boolean {
  const named = [
    'AWS_ACCESS_KEY_ID',
    'AWS_PROFILE',
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  ].some((name) => Boolean(env[name]));
  return named || existsSync(join(env.HOME ?? homedir(), '.aws', 'credentials'));
}

/**
 * Which SQS the CLI talks to: SQS_ENDPOINT when set; else the stand-in of an `npm start`
 * running in this checkout; else AWS, only when AWS is configured. With none of these it
 * refuses rather than guess.
 */
export function resolveSqsTarget(env: NodeJS.ProcessEnv, cwd = process.cwd()): SqsTarget {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  if (env.SQS_ENDPOINT) {
    return {
      region,
      endpoint: env.SQS_ENDPOINT,
      description: `SQS at ${env.SQS_ENDPOINT} (SQS_ENDPOINT)`,
    };
  }
  const launcher = runningLauncher(env.DATA_DIR ?? join(cwd, 'data'));
  if (launcher) {
    return {
      region: launcher.region,
      endpoint: launcher.sqsEndpoint,
      description: `the local SQS stand-in of npm start (pid ${launcher.pid}) at ${launcher.sqsEndpoint}`,
    };
  }
  if (awsConfigured(env)) {
    return { region, description: `AWS SQS in ${region}` };
  }
  throw new Error(
    'no SQS to talk to: run it beside `npm start` (it finds the local stand-in), set ' +
      'SQS_ENDPOINT (LocalStack, a stand-in), or configure AWS (AWS_PROFILE or AWS_REGION ' +
      'with credentials) to act on AWS',
  );
}

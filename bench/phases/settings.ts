/** The bench's settings: phase lengths and rates (full or `--quick`), and the apps' tuning. */
import type { AppTuning } from '../lib/system';

export interface Settings {
  quick: boolean;
  phases: number[];
  profile: boolean;
  /** The raw ceiling's connections: customer-api's pool, so both run at the DB's concurrency. */
  rawConnections: number;
  /** HTTP clients of the closed-loop phases. */
  httpConnections: number;
  warmupS: number;
  ceilingS: number;
  acceptS: number;
  e2eRate: number;
  e2eS: number;
  /** A second, lower arrival rate (0: none): latency when the box is not overloaded. */
  e2eLowRate: number;
  e2eLowS: number;
  burstCount: number;
  burstWorkerRate: number;
  /** Added to every chunk each way: a round trip to the sales DB gets twice this. */
  slowLatencyEachWayMs: number;
  slowS: number;
  settleTimeoutS: number;
  tuning: AppTuning;
}

export const FULL = {
  warmupS: 3,
  ceilingS: 10,
  acceptS: 15,
  e2eRate: 500,
  e2eS: 30,
  e2eLowRate: 200,
  e2eLowS: 20,
  burstCount: 20_000,
  burstWorkerRate: 200,
  slowS: 15,
  settleTimeoutS: 180,
};

export const QUICK: typeof FULL = {
  warmupS: 1,
  ceilingS: 4,
  acceptS: 5,
  e2eRate: 500,
  e2eS: 10,
  e2eLowRate: 0,
  e2eLowS: 0,
  burstCount: 3_000,
  burstWorkerRate: 150,
  slowS: 4,
  settleTimeoutS: 90,
};

/** `K=V,K=V` from the command line: per-run app settings for side-by-side experiments. */
function envList(value: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of (value ?? '').split(',').filter(Boolean)) {
    const [key, ...rest] = pair.split('=');
    env[key] = rest.join('=');
  }
  return env;
}

/** `--name value` or `--name=value`. */
export function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) {
    return undefined;
  }
  return argv[i].includes('=') ? argv[i].slice(argv[i].indexOf('=') + 1) : (argv[i + 1] ?? '');
}

/**
 * `--e2e-rate 200 --e2e-s 15 --e2e-low-rate 0`: phase 3's rates and lengths for one run, so a
 * comparison can look at one rate only (bench/compare.ts).
 */
function rateOverrides(argv: readonly string[]): Partial<typeof FULL> {
  const names = {
    'e2e-rate': 'e2eRate',
    'e2e-s': 'e2eS',
    'e2e-low-rate': 'e2eLowRate',
    'e2e-low-s': 'e2eLowS',
  } as const;
  const overrides: Partial<typeof FULL> = {};
  for (const [option, key] of Object.entries(names)) {
    const value = flag(argv, option);
    if (value !== undefined) {
      overrides[key] = Number(value);
    }
  }
  return overrides;
}

export function parseSettings(argv: readonly string[], defaultPhases = '1,2,3,4,5'): Settings {
  const quick = argv.includes('--quick');
  const customerApi = {
    DATABASE_POOL_SIZE: '16',
    OUTBOX_BATCH_SIZE: '100',
    ...envList(flag(argv, 'api-env')),
  };
  return {
    quick,
    phases: (flag(argv, 'phases') ?? defaultPhases).split(',').map(Number),
    profile: argv.includes('--profile'),
    rawConnections: Number(customerApi.DATABASE_POOL_SIZE),
    httpConnections: 64,
    slowLatencyEachWayMs: 25,
    ...(quick ? QUICK : FULL),
    ...rateOverrides(argv),
    tuning: {
      customerApi,
      salesWorker: {
        DATABASE_POOL_SIZE: '10',
        WORKER_BATCH_SIZE: '10',
        WORKER_CONCURRENCY: '10',
        WORKER_RATE_LIMIT: '0',
        ...envList(flag(argv, 'worker-env')),
      },
    },
  };
}

export function log(line: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

import { rawAcceptTransactions } from './ceilings';
import { CpuReading, startCpuMeter } from './cpu';
import { databaseUrl, MYSQL_PORT } from '../../tools/testing/databases';
import { closedLoop, LoadResult, openLoop } from './load';
import { Payloads, Totals } from './payloads';
import { LatencyProxy } from './proxy';
import { Check, latencyRow, Row, throughputRow } from './report';
import { summarize } from './stats';
import type { AppTuning, DepthSample, System } from './system';

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

function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function describeLoad(r: LoadResult): string {
  return (
    `${Math.round(r.throughput)}/s ok, p50 ${round(r.latencyMs.p50)} ms, p99 ` +
    `${round(r.latencyMs.p99)} ms, max ${round(r.latencyMs.max)} ms, status ${JSON.stringify(r.status)}` +
    (r.errors ? `, ${r.errors} errors` : '')
  );
}

type CurrencyTotal = { currency: string; count: number; amount: number };

function sameTotals(a: readonly CurrencyTotal[], b: readonly CurrencyTotal[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** How many completed after `since`, over how long, at what rate. */
function drainAfter(
  rows: readonly { completed_at: Date | null }[],
  since: number,
): { completed: number; seconds: number; rate: number } {
  const after = rows
    .map((r) => r.completed_at?.getTime())
    .filter((t): t is number => t !== undefined && t > since);
  const last = after.reduce((m, t) => Math.max(m, t), since);
  const seconds = (last - since) / 1000;
  return {
    completed: after.length,
    seconds,
    rate: seconds > 0 ? after.length / seconds : Number.NaN,
  };
}

/** Sales written per second between `from` and `to` (ms), from the sales DB's timestamps. */
function writeRate(times: readonly number[], from: number, to: number): number {
  const n = times.filter((t) => t >= from && t <= to).length;
  return to > from ? n / ((to - from) / 1000) : Number.NaN;
}

function maxOf(samples: readonly DepthSample[], pick: (s: DepthSample) => number): number {
  return samples.reduce((m, s) => Math.max(m, pick(s)), 0);
}

/** About `points` readings of the sales queue (waiting + in flight), as `t=…s n` pairs. */
function depthSeries(samples: readonly DepthSample[], points: number): string {
  const step = Math.max(1, Math.ceil(samples.length / points));
  return samples
    .filter((_, i) => i % step === 0 || i === samples.length - 1)
    .map((s) => `t=${Math.round(s.t)}s ${s.sales.visible + s.sales.inFlight}`)
    .join(', ');
}

/** About `points` readings of the PENDING payments, as `t=…s n` pairs. */
function pendingSeries(samples: readonly DepthSample[], points: number): string {
  const step = Math.max(1, Math.ceil(samples.length / points));
  return samples
    .filter((_, i) => i % step === 0 || i === samples.length - 1)
    .map(
      (s) =>
        `t=${Math.round(s.t)}s ${s.pending} (outbox ${s.outbox}, sales ${s.sales.visible + s.sales.inFlight}, status ${s.status.visible + s.status.inFlight})`,
    )
    .join('; ');
}

function fiveXx(status: Record<string, number>): number {
  return Object.entries(status)
    .filter(([code]) => code.startsWith('5'))
    .reduce((n, [, v]) => n + v, 0);
}

/** CPU ms per payment in each process, and how busy the machine was (everyone included). */
function cpuPerPayment(reading: CpuReading, payments: number): Record<string, number> {
  const per: Record<string, number> = {};
  for (const [name, ms] of Object.entries(reading.byProcess)) {
    per[name] = ms / payments;
  }
  return per;
}

function describeCpu(reading: CpuReading, payments: number): string {
  const per = Object.entries(cpuPerPayment(reading, payments))
    .map(([name, ms]) => `${name} ${ms.toFixed(2)}`)
    .join(', ');
  const busy = Math.round((reading.machineBusyMs / reading.capacityMs) * 100);
  const others = Math.round((reading.othersMs / reading.capacityMs) * 100);
  return `CPU ms/payment: ${per}; machine ${busy}% busy, ${others}% by other processes`;
}

export interface Ceilings {
  raw?: number;
  noop?: number;
  noopP50?: number;
  noopP99?: number;
}

/**
 * What the phases share: the system, the settings, the ceilings for ratios, and where rows,
 * checks, results and headline figures (for side-by-side comparisons) are collected.
 */
export class Bench {
  readonly rows: Row[] = [];
  readonly checks: Check[] = [];
  readonly results: Record<string, unknown> = {};
  /** A few figures per phase, by name, for bench/compare.ts. */
  readonly headline: Record<string, number> = {};
  readonly ceilings: Ceilings = {};
  private month = 0;

  constructor(
    readonly system: System,
    readonly settings: Settings,
    private readonly runTag: string,
  ) {}

  /** A month of its own for each load (`2040-01`, `2040-02`, …): its totals stand apart. */
  private period(): string {
    const m = this.month++;
    return `${2040 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
  }

  private payloads(label: string): Payloads {
    return new Payloads(`${this.runTag}-${label}`, this.period());
  }

  private get api(): string {
    if (!this.system.api) {
      throw new Error('customer-api is not running');
    }
    return this.system.api.url;
  }

  private get c(): number {
    return this.settings.httpConnections;
  }

  private closed(
    url: string,
    payloads: Payloads,
    options: { durationS?: number; amount?: number; totals?: Totals; expectStatus?: number },
  ): Promise<LoadResult> {
    return closedLoop({
      url,
      path: '/payments',
      body: () => payloads.body(),
      expectStatus: options.expectStatus ?? 202,
      totals: options.totals,
      connections: this.c,
      durationS: options.durationS,
      amount: options.amount,
    });
  }

  /** 1: what the database and the HTTP stack can do at most, measured now, on this box. */
  async ceilingsPhase(): Promise<void> {
    const { settings, system, ceilings } = this;
    const rawDb = await system.databases.create('raw', 'customer');
    log(`phase 1: raw accept transactions, ${settings.rawConnections} connections`);
    const raw = await rawAcceptTransactions({
      database: rawDb,
      connections: settings.rawConnections,
      warmupS: settings.warmupS,
      durationS: settings.ceilingS,
    });
    ceilings.raw = raw.throughput;
    log(
      `  ${Math.round(raw.throughput)} tx/s, p50 ${round(raw.latencyMs.p50)} ms, p99 ${round(raw.latencyMs.p99)} ms`,
    );
    log(`phase 1: no-op Nest endpoint, ${this.c} connections`);
    const app = await system.startExtra('noop', 'bench/apps/noop-app.ts', {});
    await this.closed(app.url, this.payloads('noop-warm'), { durationS: settings.warmupS });
    const noop = await this.closed(app.url, this.payloads('noop'), {
      durationS: settings.ceilingS,
    });
    await system.stopExtra(app);
    ceilings.noop = noop.throughput;
    ceilings.noopP50 = noop.latencyMs.p50;
    ceilings.noopP99 = noop.latencyMs.p99;
    log(`  ${describeLoad(noop)}`);
    this.results.ceilings = { rawTransactions: raw, noopEndpoint: noop };
    Object.assign(this.headline, {
      'raw accept tx/s': raw.throughput,
      'no-op req/s': noop.throughput,
    });
    this.rows.push(
      throughputRow(
        `1 ceiling: raw accept tx (mysql2, ${settings.rawConnections} conns)`,
        raw.throughput,
        ceilings,
      ),
      latencyRow('1 ceiling: raw accept tx p99', raw.latencyMs.p99, undefined),
      throughputRow(`1 ceiling: no-op Nest endpoint (${this.c} conns)`, noop.throughput, ceilings),
      latencyRow('1 ceiling: no-op p50', noop.latencyMs.p50, ceilings.noopP50),
      latencyRow('1 ceiling: no-op p99', noop.latencyMs.p99, ceilings.noopP99),
    );
  }

  /** 2: closed-loop accept with the worker running, then the backlog's drain. */
  async acceptPhase(): Promise<void> {
    const { settings, system, ceilings } = this;
    log(`phase 2: accept, closed loop, ${this.c} connections, ${settings.acceptS} s`);
    const warm = this.payloads('p2w');
    await this.closed(this.api, warm, { durationS: settings.warmupS });
    const payloads = this.payloads('p2');
    const totals = new Totals();
    const loadStart = Date.now();
    const sampler = system.startDepthSampler(1_000);
    const stopCpu = startCpuMeter(system.cpuPids());
    const accept = await this.closed(this.api, payloads, {
      durationS: settings.acceptS,
      totals,
    });
    const cpu = stopCpu();
    const loadEnd = Date.now();
    const atEnd = await system.depth(0);
    log(`  ${describeLoad(accept)}; backlog at end: ${atEnd.pending} pending`);
    log(`  ${describeCpu(cpu, accept.ok)}`);
    const settled = await system.waitSettled(settings.settleTimeoutS * 1000);
    await sampler.stop();
    log(`  payments pending over time: ${pendingSeries(sampler.samples, 12)}`);
    const paid = await system.paymentsOf(payloads.period);
    const warmRows = await system.paymentsOf(warm.period);
    const completedDuringLoad = paid.filter(
      (r) => r.completed_at && r.completed_at.getTime() <= loadEnd,
    ).length;
    const completionRate = completedDuringLoad / ((loadEnd - loadStart) / 1000);
    const written = [
      ...(await system.salesWrittenAt(payloads.period)),
      ...(await system.salesWrittenAt(warm.period)),
    ].sort((a, b) => a - b);
    const workerDuringLoad = writeRate(written, loadStart, loadEnd);
    const workerAfterLoad = writeRate(written, loadEnd, written[written.length - 1] ?? loadEnd);
    const drain = drainAfter([...paid, ...warmRows], loadEnd);
    // Under a second's worth of backlog, the drain "rate" is mostly start-up and tail.
    const drainMeaningful = atEnd.pending >= 1_000;
    log(
      `  completions during load ${Math.round(completionRate)}/s (worker wrote ${Math.round(workerDuringLoad)}/s); drain after load ${Math.round(drain.rate)}/s (${drain.completed} in ${round(drain.seconds)} s; worker wrote ${Math.round(workerAfterLoad)}/s)`,
    );
    this.checks.push(
      {
        name: 'phase 2 no 5xx',
        ok: fiveXx(accept.status) === 0 && accept.errors === 0,
        detail: JSON.stringify(accept.status),
      },
      {
        // A timed closed loop stops with requests in flight: those commit unanswered, so the
        // DB may hold a few more than the 202s counted.
        name: 'phase 2 all COMPLETED',
        ok: settled && paid.every((r) => r.status === 'COMPLETED') && paid.length >= totals.count,
        detail: `${paid.filter((r) => r.status === 'COMPLETED').length}/${paid.length} committed are COMPLETED; ${totals.count} answered 202`,
      },
    );
    this.results.accept = {
      load: accept,
      depth: sampler.samples,
      cpu,
      cpuMsPerPayment: cpuPerPayment(cpu, accept.ok),
      backlogAtEnd: atEnd,
      completionsPerSecondDuringLoad: completionRate,
      workerWritesPerSecond: { duringLoad: workerDuringLoad, afterLoad: workerAfterLoad },
      drainAfterLoad: { ...drain, meaningful: drainMeaningful },
      settled,
    };
    Object.assign(this.headline, {
      'accept /s': accept.throughput,
      'accept p50 ms': accept.latencyMs.p50,
      'accept p99 ms': accept.latencyMs.p99,
      'completions during accept /s': completionRate,
      'drain after accept /s': drain.rate,
      'accept: customer-api CPU ms/payment': (cpu.byProcess['customer-api'] ?? NaN) / accept.ok,
      'accept: machine busy by others %': (cpu.othersMs / cpu.capacityMs) * 100,
    });
    this.rows.push(
      throughputRow(`2 accept throughput (${this.c} conns)`, accept.throughput, ceilings, {
        text: '≥ 0.5× raw tx',
        met: ceilings.raw !== undefined && accept.throughput >= 0.5 * ceilings.raw,
      }),
      latencyRow('2 accept p50', accept.latencyMs.p50, ceilings.noopP50),
      latencyRow('2 accept p99', accept.latencyMs.p99, ceilings.noopP99, {
        text: '≤ 25 ms',
        met: accept.latencyMs.p99 <= 25,
      }),
      latencyRow('2 accept max', accept.latencyMs.max, undefined),
      throughputRow('2 completions during accept load', completionRate, ceilings),
      throughputRow('2 worker sales writes during accept load', workerDuringLoad, ceilings),
      throughputRow(
        `2 drain after load (uncapped worker${drainMeaningful ? '' : '; backlog < 1,000'})`,
        drain.rate,
        ceilings,
        { text: '≥ 2,000/s', met: drain.rate >= 2_000 },
      ),
    );
  }

  /**
   * 3: a fixed arrival rate, open loop: accept latency, accept→COMPLETED from the DB. The
   * targets apply to the main rate; `label` tells a second, lower rate's rows apart.
   */
  async endToEndPhase(rate: number, durationS: number, label = '3'): Promise<void> {
    const { settings, system, ceilings } = this;
    const main = label === '3';
    log(`phase ${label}: end to end, open loop ${rate}/s for ${durationS} s`);
    const payloads = this.payloads(`p${label}`);
    const totals = new Totals();
    const sampler = system.startDepthSampler(1_000);
    const loadStart = Date.now();
    const stopCpu = startCpuMeter(system.cpuPids());
    const e2e = await openLoop({
      url: this.api,
      path: '/payments',
      body: () => payloads.body(),
      expectStatus: 202,
      totals,
      connections: this.c,
      rate,
      durationS,
    });
    const settled = await system.waitSettled(settings.settleTimeoutS * 1000);
    // From the first request until the last payment completed: everything one payment costs.
    const cpu = stopCpu();
    await sampler.stop();
    const paid = await system.paymentsOf(payloads.period);
    const completion = summarize(
      paid
        .filter((r) => r.completed_at !== null)
        .map((r) => (r.completed_at as Date).getTime() - r.created_at.getTime()),
    );
    const lastCompleted = paid.reduce((m, r) => Math.max(m, r.completed_at?.getTime() ?? 0), 0);
    const drainRate = completion.count / ((lastCompleted - loadStart) / 1000);
    log(`  ${describeLoad(e2e)}`);
    log(
      `  accept→COMPLETED p50 ${round(completion.p50)} ms, p99 ${round(completion.p99)} ms, max ${round(completion.max)} ms; drain ${Math.round(drainRate)}/s; max backlog ${maxOf(sampler.samples, (s) => s.pending)}`,
    );
    log(`  ${describeCpu(cpu, completion.count)}`);
    this.checks.push(
      {
        name: `phase ${label} no 5xx`,
        ok: e2e.ok === e2e.sent,
        detail: JSON.stringify(e2e.status),
      },
      {
        name: `phase ${label} all COMPLETED`,
        ok: settled && completion.count === totals.count,
        detail: `${completion.count}/${totals.count}`,
      },
    );
    const perPayment = cpuPerPayment(cpu, completion.count);
    this.results[main ? 'endToEnd' : `endToEnd${rate}`] = {
      load: e2e,
      cpu,
      cpuMsPerPayment: perPayment,
      completionMs: completion,
      drainPerSecond: drainRate,
      depth: sampler.samples,
      settled,
    };
    const tag = main ? 'e2e' : `e2e@${rate}`;
    Object.assign(this.headline, {
      [`${tag} accept p99 ms`]: e2e.latencyMs.p99,
      [`${tag} completion p50 ms`]: completion.p50,
      [`${tag} completion p99 ms`]: completion.p99,
      ...Object.fromEntries(
        Object.entries(perPayment).map(([name, ms]) => [`${tag} CPU ms/payment: ${name}`, ms]),
      ),
      [`${tag}: machine busy by others %`]: (cpu.othersMs / cpu.capacityMs) * 100,
    });
    // Targets are set for the main rate only.
    const target = (text: string, met: boolean) => (main ? { text, met } : undefined);
    this.rows.push(
      throughputRow(`${label} accepted at ${rate}/s offered`, e2e.throughput, ceilings),
      latencyRow(`${label} accept p50`, e2e.latencyMs.p50, ceilings.noopP50),
      latencyRow(`${label} accept p99`, e2e.latencyMs.p99, ceilings.noopP99),
      latencyRow(
        `${label} accept→COMPLETED p50`,
        completion.p50,
        ceilings.noopP50,
        target('≤ 50 ms', completion.p50 <= 50),
      ),
      latencyRow(
        `${label} accept→COMPLETED p99`,
        completion.p99,
        ceilings.noopP99,
        target('≤ 250 ms', completion.p99 <= 250),
      ),
      throughputRow(`${label} drain rate (completions/s over the phase)`, drainRate, ceilings, {
        text: `= ${rate}/s offered`,
        met: drainRate >= 0.95 * rate,
      }),
      ...Object.entries(perPayment).map(([name, ms]) => ({
        figure: `${label} CPU per payment, end to end: ${name}`,
        value: ms,
        unit: 'ms',
      })),
      {
        figure: `${label} machine CPU used by other users meanwhile`,
        value: (cpu.othersMs / cpu.capacityMs) * 100,
        unit: '%',
      },
    );
  }

  /** 4: a burst far above the worker's rate cap: every payment accepted and counted once. */
  async burstPhase(): Promise<void> {
    const { settings, system, ceilings } = this;
    const cap = settings.burstWorkerRate;
    log(`phase 4: burst of ${settings.burstCount}, worker capped at ${cap}/s`);
    await system.startWorker({ WORKER_RATE_LIMIT: String(cap) });
    const payloads = this.payloads('p4');
    const totals = new Totals();
    const sampler = system.startDepthSampler(settings.quick ? 500 : 1_000);
    const burst = await this.closed(this.api, payloads, {
      amount: settings.burstCount,
      totals,
    });
    const loadEnd = Date.now();
    log(`  ${describeLoad(burst)}`);
    const settled = await system.waitSettled((settings.burstCount / cap) * 1500 + 60_000);
    await sampler.stop();
    const paid = await system.paymentsOf(payloads.period);
    const drain = drainAfter(paid, loadEnd);
    // The cap holds the worker's writes: measure it at the sales DB, over the whole span.
    const written = await system.salesWrittenAt(payloads.period);
    const workerRate = writeRate(written, written[0] ?? 0, written[written.length - 1] ?? 0);
    const expected = totals.toList();
    const committed = await system.customerTotals(payloads.period);
    const counted = await system.salesTotals(payloads.period);
    // Every request was answered (a count, not a duration), so all three must agree exactly.
    const exact = sameTotals(expected, committed) && sameTotals(expected, counted);
    const completed = paid.filter((r) => r.status === 'COMPLETED').length;
    const failed = paid.filter((r) => r.status === 'FAILED').length;
    const last = sampler.samples[sampler.samples.length - 1];
    const dlq = last ? last.salesDlq + last.statusDlq : Number.NaN;
    const maxDepth = maxOf(sampler.samples, (s) => s.sales.visible + s.sales.inFlight);
    log(
      `  drained ${drain.completed} after the burst in ${round(drain.seconds)} s (${Math.round(drain.rate)}/s); max sales queue ${maxDepth}; totals exact: ${exact}`,
    );
    log(`  sales queue depth over time: ${depthSeries(sampler.samples, 12)}`);
    this.checks.push(
      {
        name: 'phase 4 every payment accepted, no 5xx',
        ok: fiveXx(burst.status) === 0 && burst.errors === 0 && burst.ok === settings.burstCount,
        detail: `${burst.ok}/${settings.burstCount} answered 202, ${fiveXx(burst.status)} 5xx, ${burst.errors} errors`,
      },
      {
        name: 'phase 4 all COMPLETED',
        ok: settled && completed === burst.ok && failed === 0,
        detail: `${completed} COMPLETED, ${failed} FAILED of ${burst.ok}`,
      },
      {
        name: 'phase 4 totals exact (202s = customer DB = sales DB)',
        ok: exact,
        detail: JSON.stringify({ expected, committed, counted }),
      },
      { name: 'phase 4 DLQs empty', ok: dlq === 0, detail: String(dlq) },
      {
        // The bucket lets one second's worth through at once: allow that on top of the cap,
        // and 3 % for the timestamps' jitter (taken before the batch's commit).
        name: 'phase 4 worker kept to its cap (sales DB writes)',
        ok: written.length <= 1.03 * cap * ((written[written.length - 1] - written[0]) / 1000 + 1),
        detail: `${Math.round(workerRate)}/s written against a cap of ${cap}/s`,
      },
    );
    this.results.burst = {
      load: burst,
      workerRateLimit: cap,
      drainAfterLoad: drain,
      workerWritesPerSecond: workerRate,
      totals: { expected, committed, counted, exact },
      completed,
      failed,
      depth: sampler.samples,
      settled,
    };
    Object.assign(this.headline, {
      'burst accept /s': burst.throughput,
      'burst accept p99 ms': burst.latencyMs.p99,
      'burst drain /s': drain.rate,
    });
    this.rows.push(
      throughputRow(
        `4 burst accept throughput (${settings.burstCount})`,
        burst.throughput,
        ceilings,
      ),
      latencyRow('4 burst accept p99', burst.latencyMs.p99, ceilings.noopP99),
      { figure: '4 burst max sales queue depth', value: maxDepth, unit: 'msgs' },
      throughputRow(`4 burst: worker sales writes (cap ${cap}/s)`, workerRate, ceilings),
      throughputRow('4 burst: completions after the burst', drain.rate, ceilings),
      {
        figure: '4 burst COMPLETED / accepted',
        value: burst.ok > 0 ? completed / burst.ok : Number.NaN,
        unit: '',
        target: '1.0, totals exact',
        met: completed === burst.ok && exact,
      },
    );
    await system.startWorker();
  }

  /** 5: the sales DB made slow; our accept against the synchronous "before" picture. */
  async slowDownstreamPhase(): Promise<void> {
    const { settings, system, ceilings } = this;
    const proxy = await LatencyProxy.start(MYSQL_PORT);
    try {
      await proxy.setLatency(settings.slowLatencyEachWayMs);
      const rtt = 2 * settings.slowLatencyEachWayMs;
      log(`phase 5: sales DB behind a proxy adding ${rtt} ms per round trip`);
      const baseCustomer = await system.databases.create('base_customer', 'customer');
      const baseSales = await system.databases.create('base_sales', 'sales');
      const pool = settings.tuning.customerApi.DATABASE_POOL_SIZE;
      const baseline = await system.startExtra('sync-baseline', 'bench/apps/sync-baseline.ts', {
        CUSTOMER_DATABASE_URL: databaseUrl(baseCustomer, MYSQL_PORT, 'mysql'),
        SALES_DATABASE_URL: databaseUrl(baseSales, proxy.port, 'mysql'),
        CUSTOMER_POOL_SIZE: pool,
        SALES_POOL_SIZE: pool,
      });
      await this.closed(baseline.url, this.payloads('p5bw'), {
        durationS: settings.warmupS,
        expectStatus: 201,
      });
      const sync = await this.closed(baseline.url, this.payloads('p5b'), {
        durationS: settings.slowS,
        expectStatus: 201,
      });
      log(`  sync baseline, closed loop: ${describeLoad(sync)}`);
      // The same offered load for both, below what the baseline can take: the latency a caller
      // sees when neither side is saturated (a closed loop's latency is clients / throughput).
      const rate = Math.max(5, Math.floor(0.8 * sync.throughput));
      const open = (url: string, p: Payloads, expectStatus: number, totals?: Totals) =>
        openLoop({
          url,
          path: '/payments',
          body: () => p.body(),
          expectStatus,
          totals,
          connections: this.c,
          rate,
          durationS: settings.slowS,
        });
      const syncOpen = await open(baseline.url, this.payloads('p5bo'), 201);
      log(`  sync baseline at ${rate}/s: ${describeLoad(syncOpen)}`);
      await system.stopExtra(baseline);

      await system.startWorker({ DATABASE_URL: databaseUrl(system.salesDb, proxy.port) });
      const warm = this.payloads('p5w');
      await this.closed(this.api, warm, { durationS: settings.warmupS });
      const payloads = this.payloads('p5');
      const totals = new Totals();
      const loadStart = Date.now();
      const ours = await this.closed(this.api, payloads, { durationS: settings.slowS, totals });
      const loadEnd = Date.now();
      log(`  ours, closed loop: ${describeLoad(ours)}`);
      const openPayloads = this.payloads('p5o');
      const openTotals = new Totals();
      const oursOpen = await open(this.api, openPayloads, 202, openTotals);
      log(`  ours at ${rate}/s: ${describeLoad(oursOpen)}`);
      // The worker's pace while its database is slow, at the sales DB itself.
      const written = [
        ...(await system.salesWrittenAt(warm.period)),
        ...(await system.salesWrittenAt(payloads.period)),
      ];
      const slowDrain = writeRate(written, loadStart, loadEnd);
      // The downstream heals: everything accepted must now arrive, exactly once.
      await proxy.setLatency(0);
      const settled = await system.waitSettled(settings.settleTimeoutS * 1000);
      const committed = await system.customerTotals(payloads.period);
      const counted = await system.salesTotals(payloads.period);
      // A timed loop cuts requests at the end, which commit unanswered: the customer DB is the
      // reference; every 202 must be in it and every committed payment counted once.
      const committedCount = committed.reduce((n, t) => n + t.count, 0);
      const openCommitted = await system.customerTotals(openPayloads.period);
      const exact =
        sameTotals(committed, counted) &&
        committedCount >= totals.count &&
        sameTotals(openCommitted, openTotals.toList()) &&
        sameTotals(openCommitted, await system.salesTotals(openPayloads.period));
      const p99Ratio = sync.latencyMs.p99 / ours.latencyMs.p99;
      const openRatio = syncOpen.latencyMs.p99 / oursOpen.latencyMs.p99;
      log(
        `  p99 baseline/ours ${round(p99Ratio)}× closed loop, ${round(openRatio)}× at ${rate}/s; worker wrote ${Math.round(slowDrain)}/s while slow; totals exact after heal: ${exact}`,
      );
      this.checks.push(
        {
          name: 'phase 5 ours: every payment accepted, no 5xx',
          ok: fiveXx(ours.status) === 0 && ours.errors === 0 && oursOpen.ok === oursOpen.sent,
          detail: JSON.stringify({ closed: ours.status, open: oursOpen.status }),
        },
        {
          name: 'phase 5 ours: nothing lost (sales DB = customer DB after the downstream healed)',
          ok: settled && exact,
          detail: JSON.stringify({ answered202: totals.count, committed, counted }),
        },
        {
          name: 'phase 5 baseline: no errors',
          ok: fiveXx(sync.status) === 0 && sync.errors === 0 && syncOpen.ok === syncOpen.sent,
          detail: JSON.stringify({ closed: sync.status, open: syncOpen.status }),
        },
      );
      this.results.slowDownstream = {
        addedRoundTripMs: rtt,
        baseline: sync,
        ours,
        p99Ratio,
        openLoopRate: rate,
        baselineOpenLoop: syncOpen,
        oursOpenLoop: oursOpen,
        openLoopP99Ratio: openRatio,
        workerDrainWhileSlow: slowDrain,
        totalsExactAfterHeal: exact,
        settled,
      };
      Object.assign(this.headline, {
        'slow: baseline p99 ms': sync.latencyMs.p99,
        'slow: ours p99 ms': ours.latencyMs.p99,
        'slow: p99 ratio': p99Ratio,
        'slow: p99 ratio at equal rate': openRatio,
      });
      this.rows.push(
        throughputRow(`5 sync baseline throughput (+${rtt} ms/RTT)`, sync.throughput, ceilings),
        latencyRow('5 sync baseline p99', sync.latencyMs.p99, ceilings.noopP99),
        throughputRow(`5 ours accept throughput (+${rtt} ms/RTT)`, ours.throughput, ceilings),
        latencyRow('5 ours accept p99', ours.latencyMs.p99, ceilings.noopP99),
        {
          figure: '5 p99 baseline / ours, closed loop',
          value: p99Ratio,
          unit: '×',
          target: '≥ 10×',
          met: p99Ratio >= 10,
        },
        latencyRow(`5 sync baseline p99 at ${rate}/s`, syncOpen.latencyMs.p99, ceilings.noopP99),
        latencyRow(`5 ours accept p99 at ${rate}/s`, oursOpen.latencyMs.p99, ceilings.noopP99),
        {
          figure: `5 p99 baseline / ours, both at ${rate}/s`,
          value: openRatio,
          unit: '×',
          target: '≥ 10×',
          met: openRatio >= 10,
        },
        throughputRow('5 worker sales writes while slow', slowDrain, ceilings),
      );
    } finally {
      await proxy.stop();
    }
    await system.startWorker();
  }

  /** Runs the selected phases of 2–5 against the running apps. */
  async appPhases(): Promise<void> {
    const want = (phase: number): boolean => this.settings.phases.includes(phase);
    if (want(2)) {
      await this.acceptPhase();
    }
    if (want(3)) {
      await this.endToEndPhase(this.settings.e2eRate, this.settings.e2eS);
      if (this.settings.e2eLowRate > 0) {
        await this.endToEndPhase(this.settings.e2eLowRate, this.settings.e2eLowS, '3b');
      }
    }
    if (want(4)) {
      await this.burstPhase();
    }
    if (want(5)) {
      await this.slowDownstreamPhase();
    }
  }
}

import { openLoop } from '../lib/load';
import { LatencyProxy } from '../lib/proxy';
import { databaseUrl, MYSQL_PORT } from '../../tools/testing/databases';
import { Payloads, Totals } from '../lib/payloads';
import { latencyRow, throughputRow } from '../lib/report';
import type { Bench } from './bench';
import { describeLoad, fiveXx, round, sameTotals, writeRate } from './measures';
import { log } from './settings';

/** 5: the sales DB made slow; our accept against the synchronous "before" picture. */
export async function slowDownstreamPhase(bench: Bench): Promise<void> {
  const { settings, system, ceilings } = bench;
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
    await bench.closed(baseline.url, bench.payloads('p5bw'), {
      durationS: settings.warmupS,
      expectStatus: 201,
    });
    const sync = await bench.closed(baseline.url, bench.payloads('p5b'), {
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
        connections: bench.c,
        rate,
        durationS: settings.slowS,
      });
    const syncOpen = await open(baseline.url, bench.payloads('p5bo'), 201);
    log(`  sync baseline at ${rate}/s: ${describeLoad(syncOpen)}`);
    await system.stopExtra(baseline);

    await system.startWorker({ DATABASE_URL: databaseUrl(system.salesDb, proxy.port) });
    const warm = bench.payloads('p5w');
    await bench.closed(bench.api, warm, { durationS: settings.warmupS });
    const payloads = bench.payloads('p5');
    const totals = new Totals();
    const loadStart = Date.now();
    const ours = await bench.closed(bench.api, payloads, { durationS: settings.slowS, totals });
    const loadEnd = Date.now();
    log(`  ours, closed loop: ${describeLoad(ours)}`);
    const openPayloads = bench.payloads('p5o');
    const openTotals = new Totals();
    const oursOpen = await open(bench.api, openPayloads, 202, openTotals);
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
    bench.checks.push(
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
    bench.results.slowDownstream = {
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
    Object.assign(bench.headline, {
      'slow: baseline p99 ms': sync.latencyMs.p99,
      'slow: ours p99 ms': ours.latencyMs.p99,
      'slow: p99 ratio': p99Ratio,
      'slow: p99 ratio at equal rate': openRatio,
    });
    bench.rows.push(
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

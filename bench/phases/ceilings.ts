import { rawAcceptTransactions } from '../lib/ceilings';
import { latencyRow, throughputRow } from '../lib/report';
import type { Bench } from './bench';
import { describeLoad, round } from './measures';
import { log } from './settings';

/** 1: what the database and the HTTP stack can do at most, measured now, on this box. */
export async function ceilingsPhase(bench: Bench): Promise<void> {
  const { settings, system, ceilings } = bench;
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
  log(`phase 1: no-op Nest endpoint, ${bench.c} connections`);
  const app = await system.startExtra('noop', 'bench/apps/noop-app.ts', {});
  await bench.closed(app.url, bench.payloads('noop-warm'), { durationS: settings.warmupS });
  const noop = await bench.closed(app.url, bench.payloads('noop'), {
    durationS: settings.ceilingS,
  });
  await system.stopExtra(app);
  ceilings.noop = noop.throughput;
  ceilings.noopP50 = noop.latencyMs.p50;
  ceilings.noopP99 = noop.latencyMs.p99;
  log(`  ${describeLoad(noop)}`);
  bench.results.ceilings = { rawTransactions: raw, noopEndpoint: noop };
  Object.assign(bench.headline, {
    'raw accept tx/s': raw.throughput,
    'no-op req/s': noop.throughput,
  });
  bench.rows.push(
    throughputRow(
      `1 ceiling: raw accept tx (mysql2, ${settings.rawConnections} conns)`,
      raw.throughput,
      ceilings,
    ),
    latencyRow('1 ceiling: raw accept tx p99', raw.latencyMs.p99, undefined),
    throughputRow(`1 ceiling: no-op Nest endpoint (${bench.c} conns)`, noop.throughput, ceilings),
    latencyRow('1 ceiling: no-op p50', noop.latencyMs.p50, ceilings.noopP50),
    latencyRow('1 ceiling: no-op p99', noop.latencyMs.p99, ceilings.noopP99),
  );
}

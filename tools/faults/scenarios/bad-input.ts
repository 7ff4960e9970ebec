import type { Cluster } from '../cluster';
import { fuzz } from '../fuzz';
import { verify } from '../invariants';
import { acceptedFrom, PaymentFactory, postPayment } from '../load';
import { Scenario, ScenarioOutcome, withCluster } from '../scenario';

const TABLES = ['payments', 'outbox', 'idempotency_keys'];

async function rowsWritten(cluster: Cluster): Promise<number> {
  const counts = await Promise.all(TABLES.map((t) => cluster.customerDb.count(t)));
  return counts.reduce((a, b) => a + b, 0) + (await cluster.salesDb.count('sales'));
}

export const badInput: Scenario = {
  id: 9,
  name: 'bad HTTP input: nasty table + fast-check',
  run: ({ harness, log }) =>
    withCluster(harness, { label: 's9' }, async (cluster): Promise<ScenarioOutcome> => {
      const seed = Number(process.env.FAULTS_SEED ?? Date.now() % 2 ** 31);
      log(`fast-check seed ${seed} (FAULTS_SEED=${seed} replays it)`);
      const report = await fuzz(cluster.api.port, seed);
      const written = await rowsWritten(cluster);
      const ready = await cluster.api
        .waitReady(5_000)
        .then(() => true)
        .catch(() => false);

      // Healthy afterwards: a valid payment goes all the way through.
      const probe = new PaymentFactory(`s9-${harness.runId}`).next();
      const answer = await postPayment(cluster.apiHttp, probe);
      const verdict = await verify(cluster, {
        loads: [
          {
            accepted: answer.status === 202 ? [acceptedFrom(probe, answer.body)] : [],
            unanswered: [],
            rejected: [],
          },
        ],
      });
      if (answer.status !== 202) {
        verdict.failures.push(`a valid payment after the fuzzing answered ${answer.status}`);
      }
      if (!ready) {
        verdict.failures.push('customer-api was not ready after the fuzzing');
      }
      if (written > 0) {
        verdict.failures.push(`bad input wrote ${written} rows`);
      }
      for (const v of report.violations) {
        const from = v.sources.slice(0, 6).join(' | ');
        verdict.failures.push(`${v.count}× ${v.issue} [${from}]; e.g. ${v.example}`);
      }
      verdict.notes.push(
        `${report.requests} requests (seed ${report.seed}; ${report.dropped} generated inputs were ` +
          `valid by chance and not sent); rows written: ${written}`,
      );
      return { ...verdict, fuzz: report };
    }),
};

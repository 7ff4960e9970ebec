import { sleep } from '../http';
import { verify } from '../invariants';
import { Load, PaymentFactory } from '../load';
import {
  pausesLogged,
  recordedAfterRedelivery,
  retriesLogged,
  Scenario,
  seconds,
  withCluster,
} from '../scenario';

const OUTAGE_MS = 10_000;

export const salesDbOutage: Scenario = {
  id: 4,
  name: 'sales DB cut ~10 s at a proxy',
  run: ({ harness, log }) =>
    withCluster(harness, { label: 's4', proxySalesDb: true }, async (cluster) => {
      const load = new Load(cluster.apiHttp, new PaymentFactory(`s4-${harness.runId}`), {
        total: 500,
        concurrency: 32,
        ratePerSecond: 40,
      });
      await sleep(2_000);
      const salesProxy = cluster.salesProxy as NonNullable<typeof cluster.salesProxy>;
      salesProxy.cut();
      log('sales DB cut');
      await sleep(OUTAGE_MS);
      salesProxy.restore();
      log(`sales DB back; ${load.acceptedCount} payments accepted so far`);
      const result = await load.result;
      const verdict = await verify(cluster, { loads: [result] });
      // The worker pauses instead of spending deliveries: nothing counted as a failure.
      const pauses = pausesLogged(cluster.worker.logFile);
      const retried = retriesLogged(cluster);
      const redelivered = recordedAfterRedelivery(cluster);
      if (pauses.paused < 1 || pauses.resumed !== pauses.paused) {
        verdict.failures.push(
          `the worker logged ${pauses.paused} pauses and ${pauses.resumed} resumes`,
        );
      }
      if (retried > 0) {
        verdict.failures.push(`${retried} deliveries were counted as failed by the worker`);
      }
      verdict.notes.push(
        `the sales consumer paused ${pauses.paused}× (longest ${seconds(pauses.longestMs)}); ` +
          `${retried} deliveries counted as failed; ${redelivered} payments recorded on a redelivery`,
      );
      return verdict;
    }),
};

import { sleep } from '../http';
import { verify } from '../invariants';
import { Load, PaymentFactory } from '../load';
import { Scenario, withCluster } from '../scenario';

export const apiKill: Scenario = {
  id: 2,
  name: 'customer-api SIGKILL mid-load',
  run: ({ harness, log }) =>
    withCluster(harness, { label: 's2' }, async (cluster) => {
      const load = new Load(cluster.apiHttp, new PaymentFactory(`s2-${harness.runId}`), {
        total: 500,
        concurrency: 48,
        ratePerSecond: 80,
      });
      await load.whenAccepted(150);
      const killedAt = Date.now();
      const exit = await cluster.api.signal('SIGKILL');
      log(`customer-api SIGKILLed (${exit.signal}) with ${load.startedCount} payments sent`);
      await sleep(1_000);
      await cluster.api.start();
      const upAt = Date.now();
      log('customer-api restarted');
      const result = await load.result;
      // The requests the kill cut short are resent with their Idempotency-Key by verify.
      const verdict = await verify(cluster, {
        loads: [result],
        apiFaults: [{ from: killedAt, to: upAt }],
      });
      if (result.unanswered.length === 0) {
        verdict.failures.push('the kill cut no request short: nothing was tested');
      }
      verdict.notes.unshift(`${result.unanswered.length} requests cut short by the kill`);
      return verdict;
    }),
};

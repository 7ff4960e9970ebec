import { acceptPhase } from './accept';
import type { Bench } from './bench';
import { burstPhase } from './burst';
import { endToEndPhase } from './end-to-end';
import { slowDownstreamPhase } from './slow-downstream';

/** Runs the selected phases of 2–5 (all the settings name, or `only`) against the running apps. */
export async function appPhases(bench: Bench, only?: readonly number[]): Promise<void> {
  const want = (phase: number): boolean =>
    bench.settings.phases.includes(phase) && (only === undefined || only.includes(phase));
  if (want(2)) {
    await acceptPhase(bench);
  }
  if (want(3)) {
    await endToEndPhase(bench, bench.settings.e2eRate, bench.settings.e2eS);
    if (bench.settings.e2eLowRate > 0) {
      await endToEndPhase(bench, bench.settings.e2eLowRate, bench.settings.e2eLowS, '3b');
    }
  }
  if (want(4)) {
    await burstPhase(bench);
  }
  if (want(5)) {
    await slowDownstreamPhase(bench);
  }
}

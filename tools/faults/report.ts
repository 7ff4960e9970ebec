import type { FuzzFigures, ScenarioOutcome } from './scenario';

export interface ScenarioResult extends ScenarioOutcome {
  id: number;
  name: string;
  durationMs: number;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The figures as Markdown tables: readable in a terminal, pasted as is into the docs. */
export function renderTables(results: readonly ScenarioResult[]): string {
  const scenarios = table(
    [
      '#',
      'scenario',
      'accepted',
      'completed',
      'failed',
      'lost',
      'counted twice',
      'DLQ',
      'duration',
      'result',
    ],
    results.map((r) => [
      String(r.id),
      r.name,
      String(r.accepted),
      String(r.completed),
      String(r.failed),
      String(r.lost),
      String(r.countedTwice),
      String(r.dlq),
      `${(r.durationMs / 1000).toFixed(1)} s`,
      r.failures.length === 0 ? 'pass' : 'FAIL',
    ]),
  );
  const fuzzed = results.filter((r): r is ScenarioResult & { fuzz: FuzzFigures } => !!r.fuzz);
  const fuzz = table(
    [
      '#',
      'bad input',
      'requests',
      '4xx',
      '5xx',
      '2xx (accepted)',
      'no answer',
      '4xx not problem+json',
    ],
    fuzzed.map((r) => [
      String(r.id),
      r.name,
      String(r.fuzz.requests),
      String(r.fuzz.client4xx),
      String(r.fuzz.server5xx),
      String(r.fuzz.accepted),
      String(r.fuzz.noAnswer),
      String(r.fuzz.notProblem),
    ]),
  );
  return fuzzed.length > 0 ? `${scenarios}\n\n${fuzz}` : scenarios;
}

export function renderDetails(results: readonly ScenarioResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    for (const note of r.notes) {
      lines.push(`${r.id}. ${note}`);
    }
    for (const failure of r.failures) {
      lines.push(`${r.id}. FAILED: ${failure}`);
    }
  }
  return lines.join('\n');
}

import { mapLimit } from '../http';
import type { FuzzFigures } from '../scenario';
import { Attempt, isAcceptable } from './attempt';
import { NASTY_CASES } from './cases';
import { generate } from './properties';
import { encodeRequest, RawResponse, sendRaw } from './raw-http';

/** Stack frames, SQL, driver codes, file paths: what an error answer must never show. */
const LEAKS =
  /\bat .+:\d+:\d+|node_modules|\/work\/|\bSELECT\b|\bINSERT\b|\bER_[A-Z_]+|TypeORM|QueryFailedError/;

/** A body that is not JSON at all is wrong as a whole: its 400 names `body`, not a field. */
function parsesAsJson(body: Buffer | undefined): boolean {
  try {
    JSON.parse(body?.toString() ?? '');
    return true;
  } catch {
    return false;
  }
}

/** What is wrong with the answer to a bad request; empty when it is a proper 4xx problem. */
export function judge(attempt: Attempt, answer: RawResponse | undefined): string[] {
  if (!answer) {
    return ['no answer (reset or timed out)'];
  }
  const { status } = answer;
  if (status >= 500) {
    return [`${status} server error`];
  }
  if (status < 400) {
    return [`${status}: bad input accepted`];
  }
  if (!(answer.headers['content-type'] ?? '').startsWith('application/problem+json')) {
    return [
      `${status} as ${answer.headers['content-type'] ?? 'no content type'}, not problem+json`,
    ];
  }
  const issues: string[] = [];
  let body: {
    type?: unknown;
    title?: unknown;
    status?: unknown;
    detail?: unknown;
    errors?: unknown;
  };
  try {
    body = JSON.parse(answer.body) as typeof body;
  } catch {
    return [`${status} problem+json that is not JSON`];
  }
  if (
    typeof body.type !== 'string' ||
    typeof body.title !== 'string' ||
    typeof body.detail !== 'string' ||
    body.status !== status
  ) {
    issues.push(`${status} problem without type/title/detail/status`);
  }
  if (status === 400) {
    const errors = Array.isArray(body.errors) ? (body.errors as { field?: unknown }[]) : [];
    if (errors.length === 0) {
      issues.push('400 without an errors list');
    } else if (
      attempt.field !== undefined &&
      parsesAsJson(attempt.request.body) &&
      !errors.some(
        (e) => e.field === attempt.field || String(e.field).startsWith(`${attempt.field}.`),
      )
    ) {
      issues.push('400 that does not name the bad field');
    }
  }
  if (LEAKS.test(answer.body)) {
    issues.push(`${status} that shows internals`);
  }
  return issues;
}

export interface FuzzReport extends FuzzFigures {
  seed: number;
  dropped: number;
  /** Each kind of wrong answer, how often, and the shortest request that produced it. */
  violations: { issue: string; count: number; sources: string[]; example: string }[];
}

function describe(attempt: Attempt, port: number): string {
  const wire = encodeRequest(port, attempt.request);
  const text = JSON.stringify(wire.subarray(0, 300).toString('latin1'));
  return `${attempt.source}: ${text}${wire.length > 300 ? `… (${wire.length} bytes)` : ''}`;
}

/**
 * Sends the nasty table and the generated requests to POST /payments (and GET /payments/{id}),
 * a few connections at once, and judges every answer.
 */
export async function fuzz(port: number, seed: number, scale = 1): Promise<FuzzReport> {
  const valid = NASTY_CASES.filter(isAcceptable);
  if (valid.length > 0) {
    throw new Error(`nasty cases the API should accept: ${valid.map((a) => a.source).join(', ')}`);
  }
  const generated = generate(seed, scale);
  const attempts = [...NASTY_CASES, ...generated.attempts];
  const figures: FuzzFigures = {
    requests: 0,
    client4xx: 0,
    server5xx: 0,
    accepted: 0,
    noAnswer: 0,
    notProblem: 0,
  };
  const violations = new Map<
    string,
    { count: number; sources: Set<string>; example: Attempt; size: number }
  >();
  await mapLimit(attempts, 16, async (attempt) => {
    const answer = await sendRaw(port, attempt.request);
    figures.requests += 1;
    const status = answer?.status ?? 0;
    if (status >= 400 && status < 500) {
      figures.client4xx += 1;
      if (!(answer?.headers['content-type'] ?? '').startsWith('application/problem+json')) {
        figures.notProblem += 1;
      }
    } else if (status >= 500) {
      figures.server5xx += 1;
    } else if (status > 0) {
      figures.accepted += 1;
    } else {
      figures.noAnswer += 1;
    }
    for (const issue of judge(attempt, answer)) {
      const size = encodeRequest(port, attempt.request).length;
      const seen = violations.get(issue);
      if (!seen) {
        violations.set(issue, {
          count: 1,
          sources: new Set([attempt.source]),
          example: attempt,
          size,
        });
      } else {
        seen.count += 1;
        seen.sources.add(attempt.source);
        if (size < seen.size) {
          Object.assign(seen, { example: attempt, size });
        }
      }
    }
  });
  return {
    ...figures,
    seed,
    dropped: generated.dropped,
    violations: [...violations].map(([issue, v]) => ({
      issue,
      count: v.count,
      sources: [...v.sources],
      example: describe(v.example, port),
    })),
  };
}

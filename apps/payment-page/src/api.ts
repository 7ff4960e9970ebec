import { apiKey, Attempt, Failure, Status } from './store';

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  errors?: FieldError[];
}

export interface PaymentView {
  requestId: string;
  status: Status;
  customerId: string;
  policyId: string;
  amount: number;
  currency: string;
  createdAt: string;
  failure?: Failure;
}

export type PayResult =
  | { kind: 'accepted'; payment: PaymentView; replayed: boolean; resends: number }
  | { kind: 'refused'; problem: Problem }
  | { kind: 'unreachable'; resends: number };

/** Resends after no answer or a 5xx: about half a minute in all before asking the person. */
const RESEND_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000, 15_000];
/** How long one status request may be held by the server (it caps this itself). */
export const LONG_POLL_SECONDS = 25;

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const key = apiKey();
  return {
    Accept: 'application/json',
    ...(key ? { Authorization: `Bearer ${key}` } : {}),
    ...extra,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function retryAfterMs(response: Response, fallback: number): number {
  const seconds = Number(response.headers.get('Retry-After'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, 30_000) : fallback;
}

async function problemOf(response: Response): Promise<Problem> {
  try {
    return { ...((await response.json()) as Problem), status: response.status };
  } catch {
    return { status: response.status, detail: response.statusText };
  }
}

/**
 * POST /payments with the attempt's Idempotency-Key. No answer, a 5xx, a 409 (the first send is
 * still in flight) or a 429: wait and resend the same body with the same key, which the server
 * answers by replaying the payment it may already hold. `onResend` says so to the person.
 */
export async function pay(
  attempt: Attempt,
  onResend: (resend: number, reason: string) => void,
): Promise<PayResult> {
  for (let resend = 0; ; resend += 1) {
    let reason: string;
    let delay = RESEND_DELAYS_MS[Math.min(resend, RESEND_DELAYS_MS.length - 1)];
    try {
      const response = await fetch('/payments', {
        method: 'POST',
        headers: headers({
          'Content-Type': 'application/json',
          'Idempotency-Key': attempt.idempotencyKey,
        }),
        body: JSON.stringify(attempt.body),
      });
      if (response.status === 202) {
        const payment = (await response.json()) as PaymentView;
        const replayed = response.headers.get('Idempotent-Replayed') === 'true';
        return { kind: 'accepted', payment, replayed, resends: resend };
      }
      if (response.status < 500 && response.status !== 409 && response.status !== 429) {
        return { kind: 'refused', problem: await problemOf(response) };
      }
      reason = `the server answered ${response.status}`;
      delay = retryAfterMs(response, delay);
    } catch {
      reason = 'the connection dropped before the answer arrived';
    }
    if (resend >= RESEND_DELAYS_MS.length) {
      return { kind: 'unreachable', resends: resend };
    }
    onResend(resend + 1, reason);
    await sleep(delay);
  }
}

export type StatusAnswer = { kind: 'view'; payment: PaymentView } | { kind: 'gone' };

/**
 * GET /payments/{id}, held by the server until the status leaves PENDING or the wait ends.
 * Throws on no answer or a 5xx: the caller backs off and asks again.
 */
export async function awaitStatus(requestId: string, signal?: AbortSignal): Promise<StatusAnswer> {
  const response = await fetch(`/payments/${encodeURIComponent(requestId)}`, {
    headers: headers({ Prefer: `wait=${LONG_POLL_SECONDS}` }),
    cache: 'no-store',
    signal,
  });
  if (response.status === 200) {
    return { kind: 'view', payment: (await response.json()) as PaymentView };
  }
  if (response.status === 404) {
    return { kind: 'gone' };
  }
  throw new Error(`status ${response.status}`);
}

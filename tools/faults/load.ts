import { HttpAnswer, HttpClient, HttpFailure, sleep } from './http';

export interface PaymentBody {
  customerId: string;
  policyId: string;
  amount: number;
  currency: string;
  period?: string;
}

/** One payment the load sent: its customerId and Idempotency-Key are unique to it. */
export interface SentPayment {
  key: string;
  body: PaymentBody;
}

/** A payment that got its 202, with what the API says it stored. */
export interface AcceptedPayment extends SentPayment {
  requestId: string;
  amount: number;
  currency: string;
  period: string;
}

export interface LoadResult {
  accepted: AcceptedPayment[];
  /** Sent but never answered (reset, timeout, refused for too long): exist once or not at all. */
  unanswered: Unanswered[];
  /** Answered with something other than 202 (a 503 while a dependency is down, say). */
  rejected: Rejected[];
}

/** When a request was in flight, to match it to a fault window. */
export interface InFlight {
  payment: SentPayment;
  sentAt: number;
  endedAt: number;
}

export interface Rejected extends InFlight {
  answer: HttpAnswer;
}

export interface Unanswered extends InFlight {
  /** Why: ECONNRESET, TIMEOUT, ECONNREFUSED (for longer than the client retries). */
  code: string;
}

const CURRENCIES = ['USD', 'EUR', 'JPY', 'GBP', 'CHF'];
const PERIODS = ['2026-01', '2026-02', '2026-03'];

/** Valid, distinct payments; some without a period, so the API's default month is counted too. */
export class PaymentFactory {
  private n = 0;

  constructor(private readonly tag: string) {}

  next(): SentPayment {
    const n = this.n;
    this.n += 1;
    const id = `${this.tag}-${String(n).padStart(5, '0')}`;
    const body: PaymentBody = {
      customerId: id,
      policyId: `pol-${n % 7}`,
      amount: 1 + Math.floor(Math.random() * 10_000_000),
      currency: CURRENCIES[n % CURRENCIES.length],
    };
    if (n % 5 !== 0) {
      body.period = PERIODS[n % PERIODS.length];
    }
    return { key: id, body };
  }
}

export interface LoadOptions {
  /** Payments to send in all. */
  total: number;
  /** Requests in flight at most. */
  concurrency: number;
  /** Payments started per second at most; unset: as fast as the API answers. */
  ratePerSecond?: number;
  /** A connection refused means the server never saw the request: resend it for this long. */
  refusedRetryMs?: number;
  /** Hard bound on the whole run. */
  deadlineMs?: number;
}

/**
 * A client population sending POST /payments with bounded concurrency while a scenario injects
 * its fault. It starts at once; `result` settles when every payment has an outcome.
 */
export class Load {
  readonly result: Promise<LoadResult>;
  private readonly outcome: LoadResult = { accepted: [], unanswered: [], rejected: [] };
  private stopped = false;
  private started = 0;

  constructor(
    private readonly http: HttpClient,
    private readonly factory: PaymentFactory,
    private readonly options: LoadOptions,
  ) {
    this.result = this.run();
  }

  get acceptedCount(): number {
    return this.outcome.accepted.length;
  }

  get startedCount(): number {
    return this.started;
  }

  /** Sends nothing more; requests in flight still finish. */
  stop(): Promise<LoadResult> {
    this.stopped = true;
    return this.result;
  }

  /** Resolves once `n` payments were accepted, or the load ended. */
  async whenAccepted(n: number): Promise<void> {
    let done = false;
    void this.result.finally(() => (done = true));
    while (!done && this.acceptedCount < n) {
      await sleep(20);
    }
  }

  private async run(): Promise<LoadResult> {
    const { total, concurrency, ratePerSecond, deadlineMs = 120_000 } = this.options;
    const began = Date.now();
    const deadline = began + deadlineMs;
    const worker = async (): Promise<void> => {
      while (!this.stopped && this.started < total && Date.now() < deadline) {
        const index = this.started;
        this.started += 1;
        if (ratePerSecond) {
          const due = began + (index / ratePerSecond) * 1000;
          if (due > Date.now()) {
            await sleep(due - Date.now());
          }
        }
        await this.send(this.factory.next(), deadline);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return this.outcome;
  }

  private async send(payment: SentPayment, deadline: number): Promise<void> {
    const giveUpAt = Math.min(deadline, Date.now() + (this.options.refusedRetryMs ?? 30_000));
    for (;;) {
      const sentAt = Date.now();
      try {
        const answer = await postPayment(this.http, payment);
        if (answer.status === 202) {
          this.outcome.accepted.push(acceptedFrom(payment, answer.body));
        } else {
          this.outcome.rejected.push({ payment, answer, sentAt, endedAt: Date.now() });
        }
        return;
      } catch (err) {
        // Refused: nothing reached the server, so resending is what any client does.
        if (err instanceof HttpFailure && err.kind === 'refused' && Date.now() < giveUpAt) {
          await sleep(100);
          continue;
        }
        const code = err instanceof HttpFailure ? err.code : String(err);
        this.outcome.unanswered.push({ payment, sentAt, endedAt: Date.now(), code });
        return;
      }
    }
  }
}

export function postPayment(http: HttpClient, payment: SentPayment, timeoutMs = 10_000) {
  return http.call({
    method: 'POST',
    path: '/payments',
    headers: { 'content-type': 'application/json', 'idempotency-key': payment.key },
    body: JSON.stringify(payment.body),
    timeoutMs,
  });
}

export function acceptedFrom(payment: SentPayment, body: string): AcceptedPayment {
  const view = JSON.parse(body) as {
    requestId: string;
    amount: number;
    currency: string;
    period: string;
  };
  return {
    ...payment,
    requestId: view.requestId,
    amount: view.amount,
    currency: view.currency,
    period: view.period,
  };
}

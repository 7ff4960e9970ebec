/** What this browser remembers: its payments (localStorage) and the API key (this tab only). */

export type Status = 'PENDING' | 'COMPLETED' | 'FAILED' | 'UNKNOWN';

export interface Failure {
  code: string;
  message: string;
  attempts: number;
}

export interface StoredPayment {
  requestId: string;
  customerId: string;
  policyId: string;
  amount: number;
  currency: string;
  status: Status;
  failure?: Failure;
  createdAt: string;
}

export interface PaymentBody {
  customerId: string;
  policyId: string;
  amount: number;
  currency: string;
}

/** A payment attempt not yet answered: its key is reused for every resend of the same body. */
export interface Attempt {
  idempotencyKey: string;
  body: PaymentBody;
}

const PAYMENTS = 'payment-page.payments';
const ATTEMPT = 'payment-page.attempt';
const API_KEY = 'payment-page.api-key';
const KEEP = 50;

function read<T>(storage: Storage, key: string, fallback: T): T {
  try {
    const raw = storage.getItem(key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

export function loadPayments(): StoredPayment[] {
  return read<StoredPayment[]>(localStorage, PAYMENTS, []);
}

export function savePayment(payment: StoredPayment): StoredPayment[] {
  const others = loadPayments().filter((p) => p.requestId !== payment.requestId);
  const all = [payment, ...others].slice(0, KEEP);
  localStorage.setItem(PAYMENTS, JSON.stringify(all));
  return all;
}

export function updatePayment(requestId: string, change: Partial<StoredPayment>): void {
  const all = loadPayments().map((p) => (p.requestId === requestId ? { ...p, ...change } : p));
  localStorage.setItem(PAYMENTS, JSON.stringify(all));
}

/**
 * The unanswered attempt for this body, if there is one (a reload keeps it), or a new attempt
 * with a new Idempotency-Key: the same payment resent can never be charged twice.
 */
export function attemptFor(body: PaymentBody): Attempt {
  const pending = read<Attempt | null>(localStorage, ATTEMPT, null);
  if (pending && JSON.stringify(pending.body) === JSON.stringify(body)) {
    return pending;
  }
  const attempt = { idempotencyKey: crypto.randomUUID(), body };
  localStorage.setItem(ATTEMPT, JSON.stringify(attempt));
  return attempt;
}

/** The attempt got its answer (accepted or refused): the next Pay is a new payment. */
export function finishAttempt(attempt: Attempt): void {
  const pending = read<Attempt | null>(localStorage, ATTEMPT, null);
  if (pending?.idempotencyKey === attempt.idempotencyKey) {
    localStorage.removeItem(ATTEMPT);
  }
}

export function apiKey(): string {
  return sessionStorage.getItem(API_KEY) ?? '';
}

export function setApiKey(key: string): void {
  if (key === '') {
    sessionStorage.removeItem(API_KEY);
  } else {
    sessionStorage.setItem(API_KEY, key);
  }
}

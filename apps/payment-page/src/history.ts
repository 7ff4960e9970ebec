import { awaitStatus, PaymentView } from './api';
import { formatMinor } from './money';
import { loadPayments, Status, StoredPayment, updatePayment } from './store';

/** Long polls at once: browsers open six connections per host; leave room for paying. */
const MAX_WATCHES = 3;
const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

export type StatusListener = (payment: StoredPayment) => void;

function describeFailure(payment: StoredPayment): string {
  return payment.failure ? `${payment.failure.message} (${payment.failure.code})` : '';
}

function itemFor(payment: StoredPayment): HTMLLIElement {
  const item = document.createElement('li');
  item.dataset.requestId = payment.requestId;
  const what = document.createElement('span');
  what.className = 'what';
  what.textContent = `${formatMinor(payment.amount, payment.currency)} · Customer ${payment.customerId} · Policy ${payment.policyId}`;
  const badge = document.createElement('span');
  badge.className = `badge badge-${payment.status.toLowerCase()}`;
  badge.textContent = payment.status;
  item.append(what, ' ', badge);
  if (payment.status === 'FAILED') {
    const reason = document.createElement('span');
    reason.className = 'reason';
    reason.textContent = describeFailure(payment);
    item.append(' ', reason);
  }
  const id = document.createElement('small');
  id.textContent = `request ${payment.requestId}`;
  item.append(id);
  return item;
}

/** The list of this browser's payments, each watched by long poll until it settles. */
export class History {
  private readonly watching = new Set<string>();
  private readonly queue: string[] = [];
  private readonly listeners: StatusListener[] = [];

  constructor(
    private readonly list: HTMLUListElement,
    private readonly empty: HTMLElement,
  ) {}

  onStatus(listener: StatusListener): void {
    this.listeners.push(listener);
  }

  start(): void {
    this.render();
    for (const payment of loadPayments()) {
      if (payment.status === 'PENDING') {
        this.watch(payment.requestId);
      }
    }
  }

  render(): void {
    const payments = loadPayments();
    this.list.replaceChildren(...payments.map(itemFor));
    this.empty.hidden = payments.length > 0;
  }

  watch(requestId: string): void {
    if (!this.watching.has(requestId) && !this.queue.includes(requestId)) {
      this.queue.push(requestId);
      this.pump();
    }
  }

  private pump(): void {
    while (this.watching.size < MAX_WATCHES && this.queue.length > 0) {
      const requestId = this.queue.shift() as string;
      this.watching.add(requestId);
      void this.follow(requestId).finally(() => {
        this.watching.delete(requestId);
        this.pump();
      });
    }
  }

  /** One long poll at a time for this payment until it leaves PENDING; then the next in line. */
  private async follow(requestId: string): Promise<void> {
    for (let failures = 0; ;) {
      try {
        const answer = await awaitStatus(requestId);
        if (answer.kind === 'gone') {
          this.apply(requestId, { status: 'UNKNOWN' });
          return;
        }
        this.applyView(answer.payment);
        if (answer.payment.status !== 'PENDING') {
          return;
        }
        failures = 0;
        if (this.queue.length > 0) {
          // Others wait for a connection: take turns.
          this.queue.push(requestId);
          return;
        }
      } catch {
        await new Promise((r) =>
          setTimeout(r, BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)]),
        );
        failures += 1;
      }
    }
  }

  private applyView(view: PaymentView): void {
    this.apply(view.requestId, { status: view.status, failure: view.failure });
  }

  private apply(requestId: string, change: { status: Status; failure?: StoredPayment['failure'] }) {
    const before = loadPayments().find((p) => p.requestId === requestId);
    if (!before || (before.status === change.status && change.status === 'PENDING')) {
      return;
    }
    updatePayment(requestId, change);
    this.render();
    const after = loadPayments().find((p) => p.requestId === requestId);
    if (after) {
      this.listeners.forEach((listener) => listener(after));
    }
  }
}

export { describeFailure };

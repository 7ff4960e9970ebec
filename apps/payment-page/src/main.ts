import './style.css';
import { FieldError, pay, PayResult } from './api';
import { describeFailure, History } from './history';
import { toMinorUnits } from './money';
import {
  apiKey,
  attemptFor,
  finishAttempt,
  PaymentBody,
  savePayment,
  setApiKey,
  StoredPayment,
} from './store';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const form = $<HTMLFormElement>('pay-form');
const button = $<HTMLButtonElement>('pay');
const status = $<HTMLParagraphElement>('status');
const currency = $<HTMLSelectElement>('currency');
const keyInput = $<HTMLInputElement>('api-key');
const history = new History($<HTMLUListElement>('history'), $('history-empty'));

/** The API's field names and the inputs that show their errors. */
const INPUTS: Record<string, string> = {
  customerId: 'customer',
  policyId: 'policy',
  amount: 'amount',
  currency: 'currency',
  apiKey: 'api-key',
};

/** The payment whose changes the status line announces: the last one paid here. */
let announced: string | undefined;
let paying = false;

function fillCurrencies(): void {
  const codes = Intl.supportedValuesOf('currency');
  const options = codes.map((code) => new Option(code, code, code === 'USD', code === 'USD'));
  currency.replaceChildren(...options);
}

function say(text: string, tone: 'info' | 'ok' | 'bad' = 'info'): void {
  status.textContent = text;
  status.dataset.tone = tone;
}

function clearErrors(): void {
  for (const id of Object.values(INPUTS)) {
    $(`${id}-error`).textContent = '';
    $(id).removeAttribute('aria-invalid');
  }
}

function showErrors(errors: FieldError[]): string[] {
  const unplaced: string[] = [];
  for (const { field, message } of errors) {
    const id = INPUTS[field];
    if (!id) {
      unplaced.push(message);
      continue;
    }
    const slot = $(`${id}-error`);
    slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message;
    $(id).setAttribute('aria-invalid', 'true');
  }
  const first = errors.map((e) => INPUTS[e.field]).find(Boolean);
  if (first) {
    $(first).focus();
  }
  return unplaced;
}

function readForm(): PaymentBody | undefined {
  const data = new FormData(form);
  const text = (name: string) => {
    const value = data.get(name);
    return typeof value === 'string' ? value.trim() : '';
  };
  const amount = toMinorUnits(text('amount'), text('currency'));
  if (typeof amount !== 'number') {
    showErrors([{ field: 'amount', message: amount.error }]);
    return undefined;
  }
  return {
    customerId: text('customerId'),
    policyId: text('policyId'),
    amount,
    currency: text('currency'),
  };
}

function announce(payment: StoredPayment): void {
  if (payment.requestId !== announced) {
    return;
  }
  if (payment.status === 'COMPLETED') {
    say(`Payment ${payment.requestId} is COMPLETED: it has been recorded.`, 'ok');
  } else if (payment.status === 'FAILED') {
    say(`Payment ${payment.requestId} FAILED: ${describeFailure(payment)}`, 'bad');
  }
}

function accepted(result: Extract<PayResult, { kind: 'accepted' }>): void {
  const { payment } = result;
  savePayment({
    requestId: payment.requestId,
    customerId: payment.customerId,
    policyId: payment.policyId,
    amount: payment.amount,
    currency: payment.currency,
    status: payment.status,
    failure: payment.failure,
    createdAt: payment.createdAt,
  });
  history.render();
  announced = payment.requestId;
  const resent =
    result.resends > 0
      ? ` Accepted after ${result.resends} resend${result.resends > 1 ? 's' : ''} with the same Idempotency-Key${result.replayed ? ' (the server already had it: one payment, not two)' : ''}.`
      : '';
  say(`Payment accepted: request ${payment.requestId} is ${payment.status}.${resent}`, 'info');
  if (payment.status === 'PENDING') {
    history.watch(payment.requestId);
  }
}

async function submit(): Promise<void> {
  clearErrors();
  setApiKey(keyInput.value.trim());
  const body = readForm();
  if (!body) {
    say('Check the amount.', 'bad');
    return;
  }
  const attempt = attemptFor(body);
  say('Sending the payment…');
  const result = await pay(attempt, (resend, reason) =>
    say(
      `No answer yet (${reason}). Resending the same payment with the same Idempotency-Key (resend ${resend}): it will not be paid twice.`,
      'bad',
    ),
  );
  switch (result.kind) {
    case 'accepted':
      finishAttempt(attempt);
      accepted(result);
      break;
    case 'unreachable':
      say(
        'The server cannot be reached. Press Pay to try again: the same payment is resent with the same Idempotency-Key, never paid twice.',
        'bad',
      );
      break;
    case 'refused': {
      const { problem } = result;
      if (problem.status === 401) {
        showErrors([{ field: 'apiKey', message: 'This server needs a valid API key.' }]);
        say('The payment was not sent: enter the API key, then press Pay.', 'bad');
        break;
      }
      finishAttempt(attempt);
      const unplaced = showErrors(problem.errors ?? []);
      const detail = [problem.detail ?? problem.title ?? `error ${problem.status}`, ...unplaced];
      say(`The payment was refused: ${detail.join('; ')}.`, 'bad');
      break;
    }
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  // One payment per press, however many clicks arrive while it is on its way.
  if (paying) {
    return;
  }
  paying = true;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  void submit().finally(() => {
    paying = false;
    button.disabled = false;
    button.removeAttribute('aria-busy');
  });
});

fillCurrencies();
keyInput.value = apiKey();
history.onStatus(announce);
history.start();

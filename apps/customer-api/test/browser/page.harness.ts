import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  encodeMessage,
  parseMessage,
  PAYMENT_RECORDED,
  PaymentRecordedV1,
  SalesFailedV1,
  SalesRecordedV1,
} from '@app/contracts';
import type { Page } from 'playwright-core';
import { freePort } from '../../../../tools/testing/ports';
import { TestQueues } from '../../../../tools/testing/queues';
import { Harness } from '../customer-api.harness';

/** customer-api listening on 127.0.0.1, for a browser. */
export async function listen(api: Harness): Promise<string> {
  const port = await freePort();
  await api.app.listen(port, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

/**
 * The sales side of the flow, on the real queues: takes each `payment.recorded` from `sales`
 * and, after `delayMs` (so the page shows PENDING first), reports `sales.recorded`, or
 * `sales.failed` for a policy `refuse` names: what sales-worker reports for a payment it can
 * never record.
 */
export class SalesStandIn {
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: TestQueues,
    private readonly refuse: (payment: PaymentRecordedV1) => string | undefined,
    private readonly delayMs = 1_000,
  ) {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queues.sales.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      for (const raw of Messages) {
        const payment = parseMessage<PaymentRecordedV1>(raw.Body, [PAYMENT_RECORDED]);
        setTimeout(() => void this.report(payment), this.delayMs);
        await this.sqs.send(
          new DeleteMessageCommand({
            QueueUrl: this.queues.sales.url,
            ReceiptHandle: raw.ReceiptHandle,
          }),
        );
      }
    }
  }

  private async report(payment: PaymentRecordedV1): Promise<void> {
    const reason = this.refuse(payment);
    const message = reason
      ? Object.assign(new SalesFailedV1(), {
          paymentId: payment.paymentId,
          code: 'VALIDATION_FAILED',
          message: reason,
          attempts: 1,
        })
      : Object.assign(new SalesRecordedV1(), {
          paymentId: payment.paymentId,
          recordedAt: new Date().toISOString(),
        });
    const { body, attributes } = encodeMessage(message, 'browser-test');
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queues.paymentStatus.url,
        MessageBody: body,
        MessageAttributes: attributes,
      }),
    );
  }
}

/** Fills the payment form by its visible labels, as a person would. */
export async function fill(
  page: Page,
  values: { customer: string; policy: string; amount: string; currency?: string },
): Promise<void> {
  await page.getByLabel('Customer', { exact: true }).fill(values.customer);
  await page.getByLabel('Policy', { exact: true }).fill(values.policy);
  await page.getByLabel('Amount', { exact: true }).fill(values.amount);
  await page.getByLabel('Currency', { exact: true }).selectOption(values.currency ?? 'USD');
}

/** What the customer database holds for one customer. */
export async function paymentsOf(
  api: Harness,
  customerId: string,
): Promise<{ id: string; amount: number | string; status: string }[]> {
  return api.dataSource.query('SELECT id, amount, status FROM payments WHERE customer_id = ?', [
    customerId,
  ]);
}

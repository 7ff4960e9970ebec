import { SQSClient } from '@aws-sdk/client-sqs';
import { Injectable } from '@nestjs/common';
import { encodeMessage, PAYMENT_STATUS_QUEUE, PaymentStatusMessage } from '@app/contracts';
import { publishBatch, PublishEntry, QueueDirectory } from '@app/messaging';

export interface StatusReport {
  message: PaymentStatusMessage;
  /** The payment's correlationId, carried over so its log lines can be followed across services. */
  correlationId?: string;
}

type Publish = (
  entries: readonly PublishEntry[],
) => Promise<{ failedIds: Set<string>; firstError?: Error }>;

interface Waiting {
  entry: PublishEntry;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The status reports of one received batch, sent together in one SendMessageBatch once every
 * message of the batch has either produced its report or failed. Each message's `report` resolves
 * only when SQS accepted its own report, so its acknowledgement can wait for that.
 */
export class ReportBatch {
  private readonly waiting: Waiting[] = [];
  private settled = 0;

  constructor(
    private readonly size: number,
    private readonly publish: Publish,
  ) {}

  /** Runs `work` for one message of the batch and reports what it answers. */
  async report(work: () => Promise<StatusReport>): Promise<void> {
    let report: StatusReport;
    try {
      report = await work();
    } catch (err) {
      this.settle();
      throw err;
    }
    const sent = new Promise<void>((resolve, reject) => {
      const id = String(this.waiting.length);
      const entry = { id, message: encodeMessage(report.message, report.correlationId) };
      this.waiting.push({ entry, resolve, reject });
    });
    this.settle();
    return sent;
  }

  private settle(): void {
    this.settled += 1;
    if (this.settled > this.size) {
      throw new Error(`a batch of ${this.size} reported ${this.settled} times`);
    }
    if (this.settled === this.size && this.waiting.length > 0) {
      void this.flush();
    }
  }

  /** Never rejects: each waiting report is settled with its own outcome. */
  private async flush(): Promise<void> {
    try {
      const { failedIds, firstError } = await this.publish(this.waiting.map((w) => w.entry));
      for (const { entry, resolve, reject } of this.waiting) {
        if (failedIds.has(entry.id)) {
          reject(firstError ?? new Error('SQS did not accept the status report'));
        } else {
          resolve();
        }
      }
    } catch (err) {
      this.waiting.forEach(({ reject }) => reject(err));
    }
  }
}

/** Sends `sales.recorded` and `sales.failed` to the payment-status queue that customer-api reads. */
@Injectable()
export class StatusReporter {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: QueueDirectory,
  ) {}

  /** Collects the reports of a received batch of `size` messages into one send. */
  batch(size: number): ReportBatch {
    return new ReportBatch(size, (entries) => this.publish(entries));
  }

  /** Sends one report now; throws unless SQS accepted it. */
  async send(report: StatusReport): Promise<void> {
    const id = 'report';
    const entry = { id, message: encodeMessage(report.message, report.correlationId) };
    const { failedIds, firstError } = await this.publish([entry]);
    if (failedIds.has(id)) {
      throw firstError ?? new Error('SQS did not accept the status report');
    }
  }

  private publish(entries: readonly PublishEntry[]) {
    return publishBatch(this.sqs, this.queues.get(PAYMENT_STATUS_QUEUE).url, entries);
  }
}

import { SQSClient } from '@aws-sdk/client-sqs';
import { Injectable } from '@nestjs/common';
import {
  EncodedMessage,
  encodeMessage,
  PAYMENT_STATUS_QUEUE,
  PaymentStatusMessage,
} from '@app/contracts';
import {
  DependencyUnavailableError,
  publishBatch,
  PublishEntry,
  QueueDirectory,
} from '@app/messaging';
import { injectAttributes } from '@app/telemetry/sqs-carrier';

/** Names the report queue in errors, logs and the consumer_paused metric. */
export const REPORT_QUEUE_DEPENDENCY = 'payment-status queue';

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
 * message being worked on has either produced its report or failed. A message tried again (after
 * a pause) joins the next send. Each message's `report` resolves only when SQS accepted its own
 * report, so its acknowledgement can wait for that; a report SQS did not take fails with
 * DependencyUnavailableError: never dropped, the consumer pauses and tries again.
 */
export class ReportBatch {
  private waiting: Waiting[] = [];
  private working = 0;
  private sent = 0;

  constructor(private readonly publish: Publish) {}

  /** Runs `work` for one message of the batch and reports what it answers. */
  async report(work: () => Promise<StatusReport>): Promise<void> {
    this.working += 1;
    let report: StatusReport;
    try {
      report = await work();
    } catch (err) {
      this.done();
      throw err;
    }
    const sent = new Promise<void>((resolve, reject) => {
      const id = String(this.sent++);
      const entry = { id, message: traced(encodeMessage(report.message, report.correlationId)) };
      this.waiting.push({ entry, resolve, reject });
    });
    this.done();
    return sent;
  }

  private done(): void {
    this.working -= 1;
    if (this.working === 0 && this.waiting.length > 0) {
      const waiting = this.waiting;
      this.waiting = [];
      void this.flush(waiting);
    }
  }

  /** Never rejects: each waiting report is settled with its own outcome. */
  private async flush(waiting: Waiting[]): Promise<void> {
    try {
      const { failedIds, firstError } = await this.publish(waiting.map((w) => w.entry));
      for (const { entry, resolve, reject } of waiting) {
        if (failedIds.has(entry.id)) {
          reject(unavailable(firstError ?? new Error('SQS did not accept the status report')));
        } else {
          resolve();
        }
      }
    } catch (err) {
      waiting.forEach(({ reject }) => reject(unavailable(err)));
    }
  }
}

/** TELEMETRY HOOK: a report continues the trace of the message it reports on. */
function traced(message: EncodedMessage): EncodedMessage {
  return { ...message, attributes: injectAttributes(message.attributes) };
}

function unavailable(err: unknown): DependencyUnavailableError {
  return new DependencyUnavailableError(REPORT_QUEUE_DEPENDENCY, err);
}

/** Sends `sales.recorded` and `sales.failed` to the payment-status queue that customer-api reads. */
@Injectable()
export class StatusReporter {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: QueueDirectory,
  ) {}

  /** Collects the reports of a received batch into one send. */
  batch(): ReportBatch {
    return new ReportBatch((entries) => this.publish(entries));
  }

  /** Sends one report now; throws DependencyUnavailableError unless SQS accepted it. */
  async send(report: StatusReport): Promise<void> {
    const id = 'report';
    const entry = { id, message: traced(encodeMessage(report.message, report.correlationId)) };
    const { failedIds, firstError } = await this.publish([entry]);
    if (failedIds.has(id)) {
      throw unavailable(firstError ?? new Error('SQS did not accept the status report'));
    }
  }

  private publish(entries: readonly PublishEntry[]) {
    return publishBatch(this.sqs, this.queues.get(PAYMENT_STATUS_QUEUE).url, entries);
  }
}

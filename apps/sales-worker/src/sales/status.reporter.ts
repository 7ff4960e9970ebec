import { SQSClient } from '@aws-sdk/client-sqs';
import { Injectable } from '@nestjs/common';
import type { Context } from '@opentelemetry/api';
import { encodeMessage, PAYMENT_STATUS_QUEUE, PaymentStatusMessage } from '@app/contracts';
import { DependencyUnavailableError } from '@app/messaging/failure-kind';
import { publishBatch } from '@app/messaging/message-publisher';
import { QueueDirectory } from '@app/messaging/queue-directory';
import { injectAttributes } from '@app/telemetry/sqs-carrier';

/** Names the report queue in errors, logs and the consumer_paused metric. */
export const REPORT_QUEUE_DEPENDENCY = 'payment-status queue';

export interface StatusReport {
  message: PaymentStatusMessage;
  /** The payment's correlationId, carried over so its log lines can be followed across services. */
  correlationId?: string;
  /** The trace context of the message reported on (tracing on): the report continues it. */
  trace?: Context;
}

/** Sends `sales.recorded` and `sales.failed` to the payment-status queue that customer-api reads. */
@Injectable()
export class StatusReporter {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: QueueDirectory,
  ) {}

  /**
   * Sends the reports with SendMessageBatch, ten a call. Each answers on its own: fulfilled once
   * SQS accepted it, else rejected with DependencyUnavailableError (never dropped: the consumer
   * pauses and tries again).
   */
  async sendAll(reports: readonly StatusReport[]): Promise<PromiseSettledResult<void>[]> {
    if (reports.length === 0) {
      return [];
    }
    const entries = reports.map(({ message, correlationId, trace }, i) => {
      const encoded = encodeMessage(message, correlationId);
      // TELEMETRY HOOK: the report continues the trace of the message it reports on.
      return {
        id: String(i),
        message: { ...encoded, attributes: injectAttributes(encoded.attributes, trace) },
      };
    });
    try {
      const { failedIds, firstError } = await publishBatch(
        this.sqs,
        this.queues.get(PAYMENT_STATUS_QUEUE).url,
        entries,
      );
      return entries.map(({ id }) =>
        failedIds.has(id)
          ? {
              status: 'rejected',
              reason: unavailable(firstError ?? new Error('SQS did not accept the status report')),
            }
          : { status: 'fulfilled', value: undefined },
      );
    } catch (err) {
      return entries.map(() => ({ status: 'rejected', reason: unavailable(err) }));
    }
  }

  /** Sends one report now; throws DependencyUnavailableError unless SQS accepted it. */
  async send(report: StatusReport): Promise<void> {
    const [result] = await this.sendAll([report]);
    if (result.status === 'rejected') {
      throw result.reason;
    }
  }
}

function unavailable(err: unknown): DependencyUnavailableError {
  return new DependencyUnavailableError(REPORT_QUEUE_DEPENDENCY, err);
}

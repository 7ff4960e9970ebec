import { Message, SQSClient } from '@aws-sdk/client-sqs';
import { Injectable, Logger } from '@nestjs/common';
import { SqsConsumerEventHandler, SqsMessageHandler } from '@ssut/nestjs-sqs';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import {
  parseMessage,
  PAYMENT_RECORDED,
  PaymentRecordedV1,
  SALES_QUEUE,
  SalesFailedV1,
  SalesRecordedV1,
} from '@app/contracts';
import {
  BatchProcessor,
  classifyFailure,
  GiveUp,
  GiveUpOutcome,
  QueueDirectory,
  ReceivedMessage,
  ReceivePacer,
  reportPauses,
} from '@app/messaging';
import { isDatabaseUnavailable } from '@app/platform';
import { SalesWorkerEnvironment } from '../config/environment';
import { Sale } from './sale.entity';
import { SALES_MESSAGE_SECONDS, SALES_MESSAGES_TOTAL, SalesMessageOutcome } from './sales.metrics';
import { SalesService } from './sales.service';
import { StatusReporter } from './status.reporter';
import { Throttle } from './throttle';

/** Names the sales DB in logs and the consumer_paused metric. */
export const SALES_DB_DEPENDENCY = 'sales DB';

function recordedReport(sale: Sale): SalesRecordedV1 {
  return Object.assign(new SalesRecordedV1(), {
    paymentId: sale.paymentId,
    recordedAt: sale.createdAt.toISOString(),
  });
}

/** When SQS took the message in (its SentTimestamp, epoch ms), when it says. */
function sentAt(message: Message): Date | undefined {
  const ms = Number(message.Attributes?.SentTimestamp);
  return Number.isFinite(ms) && ms > 0 ? new Date(ms) : undefined;
}

/**
 * Consumes `sales`: counts each payment once and reports the outcome to `payment-status`.
 * The BatchProcessor decides each message's fate (ack, pause, retry with backoff, dead-letter);
 * the throttle keeps the sales DB under the configured concurrency and rate.
 */
@Injectable()
export class PaymentRecordedHandler {
  private readonly logger = new Logger(PaymentRecordedHandler.name);
  private readonly throttle: Throttle;
  private readonly processor: BatchProcessor;

  constructor(
    private readonly sales: SalesService,
    private readonly status: StatusReporter,
    @InjectMetric(SALES_MESSAGES_TOTAL) private readonly outcomes: Counter<'outcome'>,
    @InjectMetric(SALES_MESSAGE_SECONDS) private readonly duration: Histogram,
    sqs: SQSClient,
    queues: QueueDirectory,
    pacer: ReceivePacer,
    env: SalesWorkerEnvironment,
  ) {
    this.throttle = new Throttle({
      concurrency: env.WORKER_CONCURRENCY,
      ratePerSecond: env.WORKER_RATE_LIMIT,
    });
    // Built here, not in onModuleInit: SqsService starts the consumer in its own onModuleInit.
    const queue = queues.get(SALES_QUEUE);
    reportPauses(pacer.breaker, queue.name);
    this.processor = new BatchProcessor({
      sqs,
      queueUrl: queue.url,
      deadLetterQueueUrl: queue.deadLetterUrl,
      retry: {
        baseDelaySeconds: env.RETRY_BASE_DELAY_SECONDS,
        maxDelaySeconds: env.RETRY_MAX_DELAY_SECONDS,
        maxAttempts: env.MAX_ATTEMPTS,
      },
      // Its reports' queue failing is a DependencyUnavailableError from the StatusReporter.
      classify: (err) =>
        classifyFailure(err, (e) => (isDatabaseUnavailable(e) ? SALES_DB_DEPENDENCY : undefined)),
      breaker: pacer.breaker,
      visibilityTimeoutSeconds: env.SQS_VISIBILITY_TIMEOUT_SECONDS,
      onGiveUp: (message, reason) => this.giveUp(message, reason),
      onTransientError: (message, err, delaySeconds) => {
        this.count('retried');
        this.logger.warn(
          {
            err,
            messageId: message.raw.MessageId,
            correlationId: message.correlationId,
            attempt: message.attempt,
            delaySeconds,
          },
          'payment.recorded failed; retrying',
        );
      },
      onHeartbeatError: (err) =>
        this.logger.warn({ err }, 'could not extend the visibility of messages in hand'),
    });
  }

  @SqsMessageHandler(SALES_QUEUE, true)
  async handle(messages: Message[]): Promise<Message[]> {
    const receivedAt = new Date();
    const reports = this.status.batch();
    return this.processor.process(messages, ({ raw, correlationId, attempt }) =>
      reports.report(async () => {
        const timer = this.duration.startTimer();
        const payment = parseMessage<PaymentRecordedV1>(raw.Body, [PAYMENT_RECORDED]);
        const { sale, duplicate } = await this.throttle.run(() =>
          this.sales.record(payment, correlationId, { publishedAt: sentAt(raw), receivedAt }),
        );
        timer();
        this.count(duplicate ? 'duplicate' : 'recorded');
        this.logger.log(
          { paymentId: sale.paymentId, correlationId, duplicate, attempt },
          'sale recorded',
        );
        return { message: recordedReport(sale), correlationId };
      }),
    );
  }

  /** Receive errors (SQS unreachable, say): the consumer polls again by itself. */
  @SqsConsumerEventHandler(SALES_QUEUE, 'error')
  onConsumerError(err: Error & { code?: string }): void {
    if (err.code === 'AbortError') {
      return; // the shutdown drain cut an idle long poll short, as it means to
    }
    this.logger.warn({ err }, 'sales queue consumer error');
  }

  /**
   * Gives up only on the truth: a payment whose sale the DB holds (recorded by an earlier
   * delivery whose acknowledgement was lost, say) is reported `sales.recorded`, never failed.
   * Otherwise tells customer-api the payment failed, before the message is dead-lettered; a
   * message whose paymentId cannot be read has nobody to tell: it only goes to the DLQ. A DB
   * that cannot answer, or a report that cannot be sent, throws: the consumer pauses and the
   * give-up is tried again.
   */
  private async giveUp(received: ReceivedMessage, reason: GiveUp): Promise<GiveUpOutcome> {
    // A transient failure means the body was valid: its paymentId reads again.
    const paymentId =
      reason.paymentId ??
      (reason.permanent
        ? undefined
        : parseMessage<PaymentRecordedV1>(received.raw.Body, [PAYMENT_RECORDED]).paymentId);
    const context = { paymentId, correlationId: received.correlationId, ...reason };
    const sale = paymentId ? await this.sales.find(paymentId) : null;
    if (sale) {
      await this.status.send({
        message: recordedReport(sale),
        correlationId: received.correlationId,
      });
      this.logger.warn(
        context,
        'payment.recorded given up on, but its sale exists: reported recorded',
      );
      if (!reason.permanent) {
        this.count('duplicate');
        return 'resolved';
      }
    }
    this.count('dead_lettered');
    this.logger.error(context, 'payment.recorded given up; dead-lettering it');
    if (!paymentId || sale) {
      return 'dead-letter';
    }
    const message = Object.assign(new SalesFailedV1(), {
      paymentId: paymentId.toLowerCase(),
      code: reason.code,
      // A transient error's text names hosts and drivers: customer-api shows this to its client.
      message: reason.permanent
        ? reason.message
        : `the payment could not be recorded after ${reason.attempts} attempts; it is kept for an operator to retry`,
      attempts: reason.attempts,
    });
    await this.status.send({ message, correlationId: received.correlationId });
    return 'dead-letter';
  }

  private count(outcome: SalesMessageOutcome): void {
    this.outcomes.inc({ outcome });
  }
}

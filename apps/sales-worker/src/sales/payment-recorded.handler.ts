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
  GiveUp,
  GiveUpOutcome,
  ReceivedMessage,
} from '@app/messaging/batch-processor';
import { reportPauses } from '@app/messaging/consumer-breaker';
import { classifyFailure } from '@app/messaging/failure-kind';
import { QueueDirectory } from '@app/messaging/queue-directory';
import { ReceivePacer } from '@app/messaging/receive-pacer';
import { isDatabaseUnavailable } from '@app/platform/database-errors';
import { Throttle } from '@app/platform/throttle';
import { inContext } from '@app/telemetry/messaging';
import { SalesWorkerEnvironment } from '../config/environment';
import { Sale } from './sale.entity';
import { SALES_MESSAGE_SECONDS, SALES_MESSAGES_TOTAL, SalesMessageOutcome } from './sales.metrics';
import { PaymentToRecord, SalesService } from './sales.service';
import { StatusReport, StatusReporter } from './status.reporter';

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
 * A received batch reads top to bottom: the BatchProcessor hands it over whole (and again with
 * the messages an outage kept in hand), the sales DB counts it in one transaction (in chunks the
 * throttle lets through: the configured concurrency and rate), the reports go in one send, and
 * the BatchProcessor decides each message's fate from its outcome (ack, pause, retry with
 * backoff, dead-letter).
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
    // Built in the constructor, as every handler's: each dependency is injected resolved, and
    // the receive loops start only in onApplicationBootstrap, after every constructor ran.
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
  handle(messages: Message[]): Promise<Message[]> {
    return this.processor.processBatch(messages, (round) => this.recordAndReport(round));
  }

  /** One outcome per message, in order: fulfilled once its sale is counted and reported. */
  private async recordAndReport(
    round: ReceivedMessage[],
  ): Promise<PromiseSettledResult<unknown>[]> {
    const startedAt = process.hrtime.bigint();
    const outcomes: PromiseSettledResult<unknown>[] = [];
    const receivedAt = new Date();
    const readable: (PaymentToRecord & { index: number })[] = [];
    round.forEach(({ raw, correlationId }, index) => {
      try {
        const payment = parseMessage<PaymentRecordedV1>(raw.Body, [PAYMENT_RECORDED]);
        readable.push({ index, payment, correlationId, publishedAt: sentAt(raw), receivedAt });
      } catch (err) {
        outcomes[index] = { status: 'rejected', reason: err };
      }
    });

    const recorded = await Promise.all(
      this.throttle
        .chunks(readable)
        .map((chunk) => this.throttle.run(() => this.sales.recordAll(chunk), chunk.length)),
    );
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    const reports: { index: number; report: StatusReport }[] = [];
    recorded.flat().forEach((result, i) => {
      const { index, correlationId } = readable[i];
      if (result.status === 'rejected') {
        outcomes[index] = result;
        return;
      }
      const { sale, duplicate } = result.value;
      this.duration.observe(seconds);
      this.count(duplicate ? 'duplicate' : 'recorded');
      const { attempt, trace } = round[index];
      // In the message's trace context, so the line carries its trace_id (tracing on).
      inContext(trace, () =>
        this.logger.log(
          { paymentId: sale.paymentId, correlationId, duplicate, attempt },
          'sale recorded',
        ),
      );
      reports.push({ index, report: { message: recordedReport(sale), correlationId, trace } });
    });

    const sent = await this.status.sendAll(reports.map(({ report }) => report));
    sent.forEach((result, i) => (outcomes[reports[i].index] = result));
    return outcomes;
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
        trace: received.trace,
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
    await this.status.send({
      message,
      correlationId: received.correlationId,
      trace: received.trace,
    });
    return 'dead-letter';
  }

  private count(outcome: SalesMessageOutcome): void {
    this.outcomes.inc({ outcome });
  }
}

import { Message, SQSClient } from '@aws-sdk/client-sqs';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { SqsMessageHandler } from '@ssut/nestjs-sqs';
import {
  parseMessage,
  PAYMENT_STATUS_QUEUE,
  PaymentStatusMessage,
  SALES_FAILED,
  SALES_RECORDED,
} from '@app/contracts';
import { BatchProcessor, QueueDirectory } from '@app/messaging';
import { CustomerApiEnvironment } from '../config/environment';
import { PaymentsMetrics } from './payments.metrics';
import { PaymentsService } from './payments.service';
import { StatusWaiters } from './status-waiters';

/**
 * A status update fails only while customer-api's own database is down, and giving up on it
 * leaves a payment PENDING: the backoff grows from 5 s, so five deliveries ride out more than a
 * minute of outage (5 + 10 + 20 + 40 s), and a longer one is redriven from payment-status-dlq.
 */
const STATUS_RETRY_BASE_SECONDS = 5;
const STATUS_RETRY_MAX_SECONDS = 300;

/** The paymentId of a status message, if its body still reads as one. */
function paymentIdIn(raw: Message): string | undefined {
  try {
    return parseMessage<PaymentStatusMessage>(raw.Body, [SALES_RECORDED, SALES_FAILED]).paymentId;
  } catch {
    return undefined;
  }
}

/** Consumes `payment-status`: moves payments to COMPLETED or FAILED. */
@Injectable()
export class PaymentStatusHandler implements OnModuleInit {
  private readonly logger = new Logger(PaymentStatusHandler.name);
  private processor!: BatchProcessor;

  constructor(
    private readonly payments: PaymentsService,
    private readonly sqs: SQSClient,
    private readonly queues: QueueDirectory,
    private readonly env: CustomerApiEnvironment,
    private readonly metrics: PaymentsMetrics,
    private readonly waiters: StatusWaiters,
  ) {}

  onModuleInit(): void {
    const queue = this.queues.get(PAYMENT_STATUS_QUEUE);
    this.processor = new BatchProcessor({
      sqs: this.sqs,
      queueUrl: queue.url,
      deadLetterQueueUrl: queue.deadLetterUrl,
      retry: {
        baseDelaySeconds: STATUS_RETRY_BASE_SECONDS,
        maxDelaySeconds: STATUS_RETRY_MAX_SECONDS,
        maxReceiveCount: this.env.MAX_RECEIVE_COUNT,
      },
      // The payment stays as it was (PENDING, most likely) until an operator redrives the
      // message from payment-status-dlq: say so loudly, with what identifies it.
      onGiveUp: (message, reason) => {
        this.metrics.statusApplied('dead_lettered');
        this.logger.error(
          {
            paymentId: reason.paymentId ?? paymentIdIn(message.raw),
            messageId: message.raw.MessageId,
            correlationId: message.correlationId,
            ...reason,
          },
          'status update given up; dead-lettering it (redrive with: dlq redrive --queue payment-status)',
        );
        return Promise.resolve();
      },
      onTransientError: (message, err, delaySeconds) =>
        this.logger.warn(
          {
            err,
            messageId: message.raw.MessageId,
            correlationId: message.correlationId,
            delaySeconds,
          },
          'status update failed; retrying',
        ),
    });
  }

  @SqsMessageHandler(PAYMENT_STATUS_QUEUE, true)
  async handle(messages: Message[]): Promise<Message[]> {
    return this.processor.process(messages, async ({ raw, correlationId }) => {
      const message = parseMessage<PaymentStatusMessage>(raw.Body, [SALES_RECORDED, SALES_FAILED]);
      const outcome = await this.payments.applyStatus(message);
      if (outcome.result === 'completed' || outcome.result === 'failed') {
        // Committed: long polls waiting here answer now (other replicas find it by their check).
        this.waiters.wake(message.paymentId);
      }
      this.metrics.statusApplied(outcome.result, outcome.createdAt, outcome.completedAt);
      this.logger.log(
        { paymentId: message.paymentId, correlationId, type: message.type, result: outcome.result },
        'payment status message',
      );
    });
  }
}

import { Message, SQSClient } from '@aws-sdk/client-sqs';
import { Injectable, Logger } from '@nestjs/common';
import { SqsMessageHandler } from '@ssut/nestjs-sqs';
import {
  parseMessage,
  PAYMENT_STATUS_QUEUE,
  PaymentStatusMessage,
  SALES_FAILED,
  SALES_RECORDED,
} from '@app/contracts';
import { BatchProcessor, ReceivedMessage } from '@app/messaging/batch-processor';
import { reportPauses } from '@app/messaging/consumer-breaker';
import { classifyFailure } from '@app/messaging/failure-kind';
import { QueueDirectory } from '@app/messaging/queue-directory';
import { ReceivePacer } from '@app/messaging/receive-pacer';
import { isDatabaseUnavailable } from '@app/platform/database-errors';
import { inContext } from '@app/telemetry/messaging';
import { CustomerApiEnvironment } from '../config/environment';
import { PaymentsMetrics } from './payments.metrics';
import { PaymentStatusService } from './payment-status.service';
import { StatusWaiters } from './status-waiters';

/**
 * A status update that fails for its own sake (a deadlock, a lock wait timeout) is retried from
 * 5 s, doubling: giving up on it leaves a payment PENDING until customer-api re-asks. The
 * customer DB being down is not such a failure: the consumer pauses (the breaker) and the
 * messages in hand wait for it, however long it lasts.
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

/** Names the customer DB in logs and the consumer_paused metric. */
export const CUSTOMER_DB_DEPENDENCY = 'customer DB';

/** Consumes `payment-status`: moves payments to COMPLETED or FAILED. */
@Injectable()
export class PaymentStatusHandler {
  private readonly logger = new Logger(PaymentStatusHandler.name);
  private readonly processor: BatchProcessor;

  constructor(
    private readonly statuses: PaymentStatusService,
    private readonly metrics: PaymentsMetrics,
    private readonly waiters: StatusWaiters,
    sqs: SQSClient,
    queues: QueueDirectory,
    pacer: ReceivePacer,
    env: CustomerApiEnvironment,
  ) {
    // Built in the constructor, as every handler's: each dependency is injected resolved, and
    // the receive loops start only in onApplicationBootstrap, after every constructor ran.
    const queue = queues.get(PAYMENT_STATUS_QUEUE);
    reportPauses(pacer.breaker, queue.name);
    this.processor = new BatchProcessor({
      sqs,
      queueUrl: queue.url,
      deadLetterQueueUrl: queue.deadLetterUrl,
      retry: {
        baseDelaySeconds: STATUS_RETRY_BASE_SECONDS,
        maxDelaySeconds: STATUS_RETRY_MAX_SECONDS,
        maxAttempts: env.MAX_ATTEMPTS,
      },
      classify: (err) =>
        classifyFailure(err, (e) =>
          isDatabaseUnavailable(e) ? CUSTOMER_DB_DEPENDENCY : undefined,
        ),
      breaker: pacer.breaker,
      visibilityTimeoutSeconds: env.SQS_VISIBILITY_TIMEOUT_SECONDS,
      onHeartbeatError: (err) =>
        this.logger.warn({ err }, 'could not extend the visibility of messages in hand'),
      // The payment stays as it was (PENDING, most likely) until customer-api re-asks or an
      // operator redrives the message from payment-status-dlq: say so loudly.
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
  handle(messages: Message[]): Promise<Message[]> {
    return this.processor.processBatch(messages, (round) => this.applyRound(round));
  }

  /**
   * One outcome per message, in order: the readable ones applied together (one transaction),
   * then the long polls woken and each message's line logged in its own trace context.
   */
  private async applyRound(round: ReceivedMessage[]): Promise<PromiseSettledResult<unknown>[]> {
    const outcomes: PromiseSettledResult<unknown>[] = [];
    const readable: { index: number; message: PaymentStatusMessage }[] = [];
    round.forEach(({ raw }, index) => {
      try {
        const message = parseMessage<PaymentStatusMessage>(raw.Body, [
          SALES_RECORDED,
          SALES_FAILED,
        ]);
        readable.push({ index, message });
      } catch (err) {
        outcomes[index] = { status: 'rejected', reason: err };
      }
    });
    const applied = await this.statuses.applyAll(readable.map(({ message }) => message));
    applied.forEach((result, i) => {
      const { index, message } = readable[i];
      outcomes[index] = result;
      if (result.status === 'rejected') {
        return;
      }
      const outcome = result.value;
      if (outcome.result === 'completed' || outcome.result === 'failed') {
        // Committed: long polls waiting here answer now (other replicas find it by their check).
        this.waiters.wake(message.paymentId);
      }
      this.metrics.statusApplied(outcome.result, outcome.createdAt, outcome.completedAt);
      const { correlationId, trace } = round[index];
      inContext(trace, () =>
        this.logger.log(
          {
            paymentId: message.paymentId,
            correlationId,
            type: message.type,
            result: outcome.result,
          },
          'payment status message',
        ),
      );
    });
    return outcomes;
  }
}

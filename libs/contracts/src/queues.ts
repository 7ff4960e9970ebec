/** Default queue names; each has a dead-letter queue named `<name>-dlq`. */
export const SALES_QUEUE = 'sales';
export const PAYMENT_STATUS_QUEUE = 'payment-status';

export function deadLetterQueueName(queueName: string): string {
  return `${queueName}-dlq`;
}

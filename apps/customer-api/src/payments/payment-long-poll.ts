import { Injectable } from '@nestjs/common';
import { CustomerApiEnvironment } from '../config/environment';
import { Payment } from './payment.entity';
import { PaymentsService } from './payments.service';
import { StatusWaiters } from './status-waiters';

export interface PolledPayment {
  payment: Payment;
  /** The wait honoured, in seconds, when the client asked for one (Preference-Applied). */
  appliedWait?: number;
}

/** GET /payments/{id} with an optional long poll (`Prefer: wait=N`, RFC 7240). */
@Injectable()
export class PaymentLongPoll {
  constructor(
    private readonly payments: PaymentsService,
    private readonly waiters: StatusWaiters,
    private readonly env: CustomerApiEnvironment,
  ) {}

  /**
   * The payment now, or, when `wait` seconds are asked for and it is PENDING, as soon as it
   * leaves PENDING or when the (capped) wait ends. `signal` aborts when the client goes away.
   */
  async get(
    clientId: string,
    id: string,
    wait: number | undefined,
    signal?: AbortSignal,
  ): Promise<PolledPayment> {
    const payment = await this.payments.get(clientId, id);
    if (wait === undefined) {
      return { payment };
    }
    const appliedWait = Math.min(wait, this.env.LONG_POLL_MAX_WAIT_SECONDS);
    if (payment.status !== 'PENDING' || appliedWait === 0) {
      return { payment, appliedWait };
    }
    const settled = await this.waiters.until(payment.id, appliedWait * 1000, signal);
    // Settled: the row as the check read it (ours: the wait began on it). Else the view now.
    return { payment: settled ?? (await this.payments.get(clientId, id)), appliedWait };
  }
}

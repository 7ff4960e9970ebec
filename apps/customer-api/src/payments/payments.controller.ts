import { Body, Controller, Get, Headers, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InputPipe, InvalidInputError } from '@app/platform';
import { clientIdOf } from '../auth/client-id';
import { CreatePaymentDto } from './dto/create-payment.dto';
import { PaymentsService } from './payments.service';
import {
  AcceptedView,
  PaymentView,
  statusUrlOf,
  toAcceptedView,
  toPaymentView,
} from './payment.view';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  if (!IDEMPOTENCY_KEY.test(header)) {
    throw new InvalidInputError('the Idempotency-Key header is invalid', [
      {
        field: 'Idempotency-Key',
        message: 'Idempotency-Key must be 1-255 visible ASCII characters',
      },
    ]);
  }
  return header;
}

@Controller('payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Post()
  @HttpCode(202)
  async create(
    @Body(InputPipe) body: CreatePaymentDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AcceptedView> {
    const { payment, replayed } = await this.payments.accept({
      clientId: clientIdOf(request),
      correlationId: request.id,
      idempotencyKey: idempotencyKeyOf(idempotencyKey),
      body,
    });
    void reply.header('Location', statusUrlOf(payment)).header('Retry-After', '1');
    if (replayed) {
      void reply.header('Idempotent-Replayed', 'true');
    }
    return toAcceptedView(payment);
  }

  @Get(':requestId')
  async get(
    @Param('requestId') requestId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PaymentView> {
    if (!UUID.test(requestId)) {
      throw new InvalidInputError('the request id is not a UUID', [
        { field: 'requestId', message: 'requestId must be a UUID' },
      ]);
    }
    const payment = await this.payments.get(clientIdOf(request), requestId);
    if (payment.status === 'PENDING') {
      void reply.header('Retry-After', '1');
    }
    return toPaymentView(payment);
  }
}

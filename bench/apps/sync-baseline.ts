/**
 * The pattern's "before" picture, for phase 5: POST /payments validated exactly as customer-api
 * validates it (the contract's rules through the same `parseInput`), the payment inserted, then the sales
 * DB updated inline (the sale and its monthly total in one transaction, as sales-worker writes
 * them) and the payment marked COMPLETED, all before answering. A slow sales DB is the caller's
 * wait. Plain mysql2 rather than TypeORM: cheaper per request, so the comparison flatters the
 * baseline, not the pattern.
 */
import 'reflect-metadata';
import {
  Body,
  Controller,
  DynamicModule,
  Get,
  HttpCode,
  Inject,
  Module,
  Post,
  Req,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { Pool } from 'mysql2/promise';
import { createPool } from 'mysql2/promise';
import { periodOf } from '@app/contracts';
import { configureHttp, createHttpAdapter } from '@app/platform/http';
import { InvalidInputError } from '@app/platform/errors';
import { ProblemFilter } from '@app/platform/problem.filter';
import { parseInput } from '@app/platform/validation';
import {
  ADD_TO_TOTAL,
  COMPLETE_PAYMENT,
  INSERT_PAYMENT,
  INSERT_SALE,
  inTransaction,
  newPayment,
  paymentRow,
} from '../lib/sql';
import { PaymentBodyRules } from './payment-body';

const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** The DI token for the two pools (injected by token: tsx emits no decorator metadata). */
abstract class Pools {
  abstract customer: Pool;
  abstract sales: Pool;
}

function paidAtOf(given: string | undefined, now: Date): Date {
  const paidAt = given === undefined ? now : new Date(given);
  if (Number.isNaN(paidAt.getTime()) || paidAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
    throw new InvalidInputError('the request body is invalid', [
      { field: 'paidAt', message: 'paidAt must be a valid RFC 3339 timestamp, not in the future' },
    ]);
  }
  return paidAt;
}

@Controller()
class SyncPaymentsController {
  constructor(@Inject(Pools) private readonly pools: Pools) {}

  @Post('payments')
  @HttpCode(201)
  async create(@Body() raw: unknown, @Req() request: FastifyRequest): Promise<object> {
    const body = parseInput(PaymentBodyRules, raw);
    const now = new Date();
    const paidAt = paidAtOf(body.paidAt, now);
    const payment = newPayment({
      customerId: body.customerId,
      policyId: body.policyId,
      amount: body.amount,
      currency: body.currency,
      period: body.period ?? periodOf(paidAt),
      paidAt,
      correlationId: request.id,
    });
    const customer = await this.pools.customer.getConnection();
    await inTransaction(customer, () => customer.query(INSERT_PAYMENT, paymentRow(payment)));
    // The downstream, inline: the caller waits for every round trip to the sales DB.
    const sales = await this.pools.sales.getConnection();
    const recordedAt = new Date();
    await inTransaction(sales, async () => {
      await sales.query(INSERT_SALE, [
        payment.id,
        payment.customerId,
        payment.policyId,
        payment.amount,
        payment.currency,
        payment.period,
        payment.paidAt,
        payment.createdAt,
        payment.correlationId,
        recordedAt,
      ]);
      await sales.query(ADD_TO_TOTAL, [
        payment.period,
        payment.currency,
        payment.amount,
        payment.amount,
      ]);
    });
    const completedAt = new Date();
    await this.pools.customer.query(COMPLETE_PAYMENT, [completedAt, completedAt, payment.id]);
    return {
      requestId: payment.id,
      status: 'COMPLETED',
      customerId: payment.customerId,
      policyId: payment.policyId,
      amount: payment.amount,
      currency: payment.currency,
      period: payment.period,
      paidAt: payment.paidAt.toISOString(),
      createdAt: payment.createdAt.toISOString(),
      completedAt: completedAt.toISOString(),
    };
  }

  @Get('health/ready')
  ready(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({})
class SyncBaselineModule {
  static forRoot(pools: Pools): DynamicModule {
    return {
      module: SyncBaselineModule,
      controllers: [SyncPaymentsController],
      providers: [{ provide: Pools, useValue: pools }],
    };
  }
}

function poolOf(url: string, size: number): Pool {
  return createPool({ uri: url, connectionLimit: size, maxIdle: size, timezone: 'Z' });
}

async function main(): Promise<void> {
  const env = process.env;
  const pools: Pools = {
    customer: poolOf(env.CUSTOMER_DATABASE_URL ?? '', Number(env.CUSTOMER_POOL_SIZE ?? 16)),
    sales: poolOf(env.SALES_DATABASE_URL ?? '', Number(env.SALES_POOL_SIZE ?? 16)),
  };
  const app = await NestFactory.create<NestFastifyApplication>(
    SyncBaselineModule.forRoot(pools),
    createHttpAdapter({ bodyLimit: 16 * 1024 }),
    { logger: ['error'], bodyParser: false },
  );
  configureHttp(app);
  app.useGlobalFilters(new ProblemFilter());
  await app.listen(Number(env.PORT ?? 3200), '127.0.0.1');
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(() => Promise.all([pools.customer.end(), pools.sales.end()]))
      .then(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`sync baseline failed: ${String(err)}\n`);
  process.exit(1);
});

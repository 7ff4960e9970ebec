/**
 * The HTTP ceiling: a Nest app on the same Fastify adapter and settings as customer-api
 * (`createHttpAdapter`, `configureHttp`, 16 KiB body limit, JSON parsed), whose POST /payments
 * answers 202 at once. Whatever customer-api does beyond this costs throughput.
 */
import 'reflect-metadata';
import { Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { configureHttp, createHttpAdapter } from '@app/platform/http';

@Controller()
class NoopController {
  @Post('payments')
  @HttpCode(202)
  accept(): { status: string } {
    return { status: 'PENDING' };
  }

  @Get('health/ready')
  ready(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({ controllers: [NoopController] })
class NoopModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(
    NoopModule,
    createHttpAdapter({ bodyLimit: 16 * 1024 }),
    { logger: ['error'], bodyParser: false },
  );
  configureHttp(app);
  await app.listen(Number(process.env.PORT ?? 3100), '127.0.0.1');
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  process.stderr.write(`noop app failed: ${String(err)}\n`);
  process.exit(1);
});

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MonthlyTotal } from './monthly-total.entity';
import { PaymentRecordedHandler } from './payment-recorded.handler';
import { Sale } from './sale.entity';
import { SalesController } from './sales.controller';
import { SALES_METRICS } from './sales.metrics';
import { SalesService } from './sales.service';
import { StatusReporter } from './status.reporter';

@Module({
  imports: [TypeOrmModule.forFeature([Sale, MonthlyTotal])],
  controllers: [SalesController],
  providers: [SalesService, StatusReporter, PaymentRecordedHandler, ...SALES_METRICS],
})
export class SalesModule {}

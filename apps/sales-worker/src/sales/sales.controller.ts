import { Controller, Get, Param, Query } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { InputPipe, InvalidInputError } from '@app/platform';
import { SalesQueryDto } from './dto/sales-query.dto';
import { MonthlyTotalsView, SaleView, toMonthlyTotalsView, toSaleView } from './sale.view';
import { SalesService } from './sales.service';

/** Reads of the sales DB. */
@Controller('sales')
export class SalesController {
  constructor(private readonly sales: SalesService) {}

  @Get()
  async monthlyTotals(@Query(InputPipe) query: SalesQueryDto): Promise<MonthlyTotalsView> {
    return toMonthlyTotalsView(query.period, await this.sales.monthlyTotals(query.period));
  }

  @Get('payments/:paymentId')
  async get(@Param('paymentId') paymentId: string): Promise<SaleView> {
    if (!isUUID(paymentId)) {
      throw new InvalidInputError('the payment id is not a UUID', [
        { field: 'paymentId', message: 'paymentId must be a UUID' },
      ]);
    }
    return toSaleView(await this.sales.get(paymentId));
  }
}

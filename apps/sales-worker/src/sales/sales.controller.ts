import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '@app/platform/openapi';
import { InputPipe } from '@app/platform/validation';
import { PaymentIdParamDto } from './dto/payment-id-param.dto';
import { SalesQueryDto } from './dto/sales-query.dto';
import { MonthlyTotalsView, SaleView, toMonthlyTotalsView, toSaleView } from './sale.view';
import { SalesService } from './sales.service';

/** Reads of the sales DB. */
@ApiTags('sales')
@Controller('sales')
export class SalesController {
  constructor(private readonly sales: SalesService) {}

  @Get()
  @ApiOperation({
    operationId: 'getMonthlyTotals',
    summary: "A month's totals",
    description: 'Payments counted and their sum, per currency, for one month.',
  })
  @ApiOkResponse({ type: MonthlyTotalsView, description: "The month's totals" })
  @ApiProblems(400, 503)
  async monthlyTotals(@Query(InputPipe) query: SalesQueryDto): Promise<MonthlyTotalsView> {
    return toMonthlyTotalsView(query.period, await this.sales.monthlyTotals(query.period));
  }

  @Get('payments/:paymentId')
  @ApiOperation({
    operationId: 'getSale',
    summary: 'One recorded payment',
    description: 'The sale recorded for a payment (its requestId in customer-api).',
  })
  @ApiOkResponse({ type: SaleView, description: 'The sale' })
  @ApiProblems(400, 404, 503)
  async get(@Param(InputPipe) { paymentId }: PaymentIdParamDto): Promise<SaleView> {
    return toSaleView(await this.sales.get(paymentId));
  }
}

import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { InvalidInputDetail } from '@app/platform/validation';

/** Path of GET /sales/payments/{paymentId}. */
@InvalidInputDetail('the payment id is not a UUID')
export class PaymentIdParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'paymentId must be a UUID' })
  paymentId!: string;
}

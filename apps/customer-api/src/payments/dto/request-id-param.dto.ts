import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { InvalidInputDetail } from '@app/platform/validation';

/** Path of GET /payments/{requestId}: any UUID, in either case (ids are stored lower-case). */
@InvalidInputDetail('the request id is not a UUID')
export class RequestIdParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('loose', { message: 'requestId must be a UUID' })
  requestId!: string;
}

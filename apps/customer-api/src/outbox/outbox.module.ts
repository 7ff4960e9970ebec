import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagePublisher, SqsMessagePublisher } from './message.publisher';
import { OutboxMessage } from './outbox-message.entity';
import { OUTBOX_METRICS } from './outbox.metrics';
import { OutboxRelay } from './outbox.relay';

@Module({
  imports: [TypeOrmModule.forFeature([OutboxMessage])],
  providers: [
    OutboxRelay,
    { provide: MessagePublisher, useClass: SqsMessagePublisher },
    ...OUTBOX_METRICS,
  ],
  exports: [OutboxRelay],
})
export class OutboxModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagePublisher, SqsMessagePublisher } from './message.publisher';
import { OutboxMessage } from './outbox-message.entity';
import { OutboxRelay } from './outbox.relay';

@Module({
  imports: [TypeOrmModule.forFeature([OutboxMessage])],
  providers: [OutboxRelay, { provide: MessagePublisher, useClass: SqsMessagePublisher }],
  exports: [OutboxRelay],
})
export class OutboxModule {}

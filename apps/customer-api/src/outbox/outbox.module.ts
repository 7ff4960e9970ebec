import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ShutdownFlush } from '@app/platform/service-lifecycle';
import { OutboxPublisher, SqsOutboxPublisher } from './outbox.publisher';
import { OutboxLeases } from './outbox-leases';
import { OutboxMessage } from './outbox-message.entity';
import { OUTBOX_METRICS } from './outbox.metrics';
import { OutboxRelay } from './outbox.relay';

@Module({
  imports: [TypeOrmModule.forFeature([OutboxMessage])],
  providers: [
    OutboxLeases,
    OutboxRelay,
    // The shutdown's flush step (shutDownService) runs after HTTP closes.
    { provide: ShutdownFlush, useExisting: OutboxRelay },
    { provide: OutboxPublisher, useClass: SqsOutboxPublisher },
    ...OUTBOX_METRICS,
  ],
  exports: [OutboxRelay, ShutdownFlush],
})
export class OutboxModule {}

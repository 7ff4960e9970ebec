import { Injectable, OnModuleInit } from '@nestjs/common';
import { SqsService } from '@ssut/nestjs-sqs';
import { ConsumerDrain } from '@app/messaging';

/** Lets main.ts stop the SQS consumer and wait for its batch before the app closes. */
@Injectable()
export class QueueConsumers extends ConsumerDrain implements OnModuleInit {
  constructor(private readonly sqsService: SqsService) {
    super();
  }

  /**
   * SqsService starts the consumer in its own onModuleInit, which runs first (its module is a
   * dependency of this one): track it now, before a first batch can arrive unseen.
   */
  onModuleInit(): void {
    this.track(this.sqsService);
  }
}

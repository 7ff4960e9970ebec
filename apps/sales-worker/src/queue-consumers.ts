import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { SqsService } from '@ssut/nestjs-sqs';
import { ConsumerDrain } from '@app/messaging';

/** Lets main.ts stop the SQS consumer and wait for its batch before the app closes. */
@Injectable()
export class QueueConsumers extends ConsumerDrain implements OnApplicationBootstrap {
  constructor(private readonly sqsService: SqsService) {
    super();
  }

  onApplicationBootstrap(): void {
    this.track(this.sqsService);
  }
}

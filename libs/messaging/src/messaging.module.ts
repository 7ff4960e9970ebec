import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamicModule, Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { QueueDirectory } from './queue-directory';
import { createSqsClient, SqsConnectionOptions } from './sqs-client';

export interface MessagingOptions extends SqsConnectionOptions {
  /** Logical name → queue name or URL. */
  queues: Record<string, string>;
}

class SqsClientCloser implements OnApplicationShutdown {
  constructor(private readonly sqs: SQSClient) {}
  onApplicationShutdown(): void {
    this.sqs.destroy();
  }
}

/** Provides the app's SQSClient and its resolved QueueDirectory to every module. */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: SQSClient, useFactory: () => createSqsClient(options) },
        {
          provide: QueueDirectory,
          useFactory: (sqs: SQSClient) => QueueDirectory.resolve(sqs, options.queues),
          inject: [SQSClient],
        },
        {
          provide: SqsClientCloser,
          useFactory: (sqs: SQSClient) => new SqsClientCloser(sqs),
          inject: [SQSClient],
        },
      ],
      exports: [SQSClient, QueueDirectory],
    };
  }
}

export * from './batch-processor';
export * from './consumer-drain';
export * from './message-publisher';
export * from './messaging.module';
export * from './queue-directory';
export * from './queue-setup';
export * from './retry-policy';
export * from './sqs-client';

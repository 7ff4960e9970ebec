export * from './codec';
export * from './messages';
export * from './queues';
export * from './rules';
export * from './money';

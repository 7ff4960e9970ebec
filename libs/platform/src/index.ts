export * from './config';
export * from './database';
export * from './database-errors';
export * from './errors';
export * from './http';
export * from './problem';
export * from './problem.filter';

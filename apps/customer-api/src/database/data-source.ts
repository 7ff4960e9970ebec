/**
 * The TypeORM CLI's data source for customer-api (MySQL; the embedded SQLite file is migrated
 * by the app at start-up):
 * `DATABASE_URL=mysql://… npm run migration:generate -w customer-api -- <Name>`.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/platform/database';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export default new DataSource(
  dataSourceOptions({
    url: process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/customer',
    sqlitePath: '',
    poolSize: 2,
    connectTimeoutMs: 5_000,
    entities: ENTITIES,
    migrations: MIGRATIONS,
  }),
);

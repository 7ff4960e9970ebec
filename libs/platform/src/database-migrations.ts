import { DataSource, DataSourceOptions } from 'typeorm';
import { gateSqliteAccess } from './sqlite-gate';

const LOCK_NAME = 'payments_schema_migrations';
const LOCK_WAIT_SECONDS = 120;

/**
 * Runs pending migrations under a MySQL named lock, so that replicas starting together (a new
 * ECS deployment) apply each migration once while the others wait for it.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<void> {
  const lockHolder = dataSource.createQueryRunner();
  try {
    await lockHolder.connect();
    const [row] = (await lockHolder.query('SELECT GET_LOCK(?, ?) AS acquired', [
      LOCK_NAME,
      LOCK_WAIT_SECONDS,
    ])) as { acquired: number | string | null }[];
    if (Number(row?.acquired) !== 1) {
      throw new Error(`could not take the migration lock within ${LOCK_WAIT_SECONDS} s`);
    }
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await lockHolder.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]);
    }
  } finally {
    await lockHolder.release();
  }
}

/**
 * For TypeOrmModule's `dataSourceFactory`: connects and brings the schema up to date before any
 * module can use the database. On MySQL the migrations run (when asked) under the named lock,
 * on a data source of their own without the per-query timeout (an ALTER of a large table may
 * take minutes); the embedded SQLite file always migrates, then gets its gate.
 */
export async function initializeDataSource(
  options: DataSourceOptions | undefined,
  runMigrations: boolean,
): Promise<DataSource> {
  if (!options) {
    throw new Error('no data source options');
  }
  if (runMigrations && (options.type === 'mysql' || options.type === 'mariadb')) {
    const migrator = await new DataSource({
      ...options,
      // The lock holder and the migration runner: two connections, plain mysql2 (no
      // statement timeout, the server's lock wait).
      poolSize: 2,
      driver: undefined,
    }).initialize();
    try {
      await runMigrationsLocked(migrator);
    } finally {
      await migrator.destroy();
    }
  }
  const dataSource = await new DataSource(options).initialize();
  if (options.type === 'better-sqlite3') {
    await dataSource.runMigrations({ transaction: 'each' });
    gateSqliteAccess(dataSource);
  }
  return dataSource;
}

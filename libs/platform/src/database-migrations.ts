import { DataSource, DataSourceOptions } from 'typeorm';

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
 * For TypeOrmModule's `dataSourceFactory`: connects, then on MySQL runs pending migrations
 * (when asked) before any module can use the database.
 */
export async function initializeDataSource(
  options: DataSourceOptions | undefined,
  runMigrations: boolean,
): Promise<DataSource> {
  if (!options) {
    throw new Error('no data source options');
  }
  const dataSource = await new DataSource(options).initialize();
  if (runMigrations && (options.type === 'mysql' || options.type === 'mariadb')) {
    await runMigrationsLocked(dataSource);
  }
  return dataSource;
}

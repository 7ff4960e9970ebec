import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, MigrationInterface, QueryRunner, Table } from 'typeorm';
import { dataSourceOptions } from './database';
import { initializeDataSource } from './database-migrations';
import { transaction } from './transaction';

class Items1000000000000 implements MigrationInterface {
  name = 'Items1000000000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'items',
        columns: [{ name: 'id', type: 'varchar', length: '36', isPrimary: true }],
      }),
    );
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('items');
  }
}

/** A promise and the function that settles it. */
function signal(): { done: Promise<void>; fire: () => void } {
  let fire = (): void => undefined;
  const done = new Promise<void>((resolve) => (fire = resolve));
  return { done, fire };
}

describe('the embedded SQLite database under concurrency', () => {
  let dir: string;
  let dataSource: DataSource;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-gate-'));
    // As the apps open it (initializeDataSource), on a file as `npm start` uses.
    dataSource = await initializeDataSource(
      dataSourceOptions({
        sqlitePath: join(dir, 'db.sqlite'),
        poolSize: 1,
        connectTimeoutMs: 1_000,
        entities: [],
        migrations: [Items1000000000000],
      }),
      true,
    );
  });

  afterEach(async () => {
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function ids(): Promise<string[]> {
    const rows = await dataSource.query<{ id: string }[]>('SELECT id FROM items ORDER BY id');
    return rows.map((row) => row.id);
  }

  it('should keep a rolled-back unit of work out of every other one', async () => {
    const inserted = signal();
    const fail = signal();
    const doomed = transaction(dataSource, async (manager) => {
      await manager.query("INSERT INTO items (id) VALUES ('uncommitted')");
      inserted.fire();
      await fail.done;
      throw new Error('rolled back');
    });
    await inserted.done;

    // While it is open: a standalone write, a reader, and another transaction.
    const standalone = dataSource.query("INSERT INTO items (id) VALUES ('standalone')");
    const seen = ids();
    const other = transaction(dataSource, (manager) =>
      manager.query("INSERT INTO items (id) VALUES ('other')"),
    );
    fail.fire();

    await expect(doomed).rejects.toThrow('rolled back');
    await standalone;
    await other;
    expect(await seen).not.toContain('uncommitted');
    await expect(ids()).resolves.toEqual(['other', 'standalone']);
  });

  it('should never show a reader a row its transaction then rolls back', async () => {
    const inserted = signal();
    const fail = signal();
    const writer = transaction(dataSource, async (manager) => {
      await manager.query("INSERT INTO items (id) VALUES ('pending')");
      inserted.fire();
      await fail.done;
      throw new Error('rolled back');
    });
    await inserted.done;
    // What the outbox relay does: a plain read through the manager, outside any transaction.
    const during = dataSource.manager.query<{ id: string }[]>('SELECT id FROM items');
    fail.fire();
    await expect(writer).rejects.toThrow('rolled back');
    await expect(during).resolves.toEqual([]);
  });

  it('should let a unit of work run again after its commit failed', async () => {
    await dataSource.query("INSERT INTO items (id) VALUES ('taken')");
    await expect(
      transaction(dataSource, (manager) =>
        manager.query("INSERT INTO items (id) VALUES ('taken')"),
      ),
    ).rejects.toThrow(/UNIQUE/);
    await transaction(dataSource, (manager) =>
      manager.query("INSERT INTO items (id) VALUES ('next')"),
    );
    await expect(ids()).resolves.toEqual(['next', 'taken']);
  });
});

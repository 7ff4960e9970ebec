import { randomUUID } from 'node:crypto';
import type { TestDatabase } from '../../../tools/testing/databases';
import { openDatabase } from './sales-worker.harness';

/**
 * A failure of some messages themselves, while the database stays up: inserts of sales for
 * `customerId` are refused by a trigger (as a bug or a bad row would), on both dialects.
 */
export interface MessageFault {
  refuse(customerId: string): Promise<void>;
  accept(): Promise<void>;
  close(): Promise<void>;
}

export async function messageFault(db: TestDatabase): Promise<MessageFault> {
  const dataSource = await openDatabase(db);
  const mysql = Boolean(db.url);
  let name: string | undefined;
  return {
    refuse: async (customerId) => {
      name = `refuse_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
      const id = customerId.replace(/'/g, "''");
      await dataSource.query(
        mysql
          ? `CREATE TRIGGER ${name} BEFORE INSERT ON sales FOR EACH ROW IF NEW.customer_id = '${id}' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF`
          : `CREATE TRIGGER ${name} BEFORE INSERT ON sales WHEN NEW.customer_id = '${id}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
      );
    },
    accept: async () => {
      if (name) {
        await dataSource.query(`DROP TRIGGER ${name}`);
        name = undefined;
      }
    },
    close: () => dataSource.destroy(),
  };
}

import { statementsFor } from './database-users';

describe(statementsFor.name, () => {
  it('should create the database and a user granted that database only, escaping the password', () => {
    expect(
      statementsFor(
        'sales',
        { username: 'sales_worker', password: "p'w\\d" },
        'utf8mb4_unicode_ci',
      ),
    ).toEqual([
      'CREATE DATABASE IF NOT EXISTS `sales` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci',
      "CREATE USER IF NOT EXISTS 'sales_worker'@'%' IDENTIFIED BY 'p\\'w\\\\d'",
      "ALTER USER 'sales_worker'@'%' IDENTIFIED BY 'p\\'w\\\\d'",
      "GRANT ALL PRIVILEGES ON `sales`.* TO 'sales_worker'@'%'",
    ]);
  });

  it('should refuse names that are not plain identifiers', () => {
    expect(() =>
      statementsFor('sales`; DROP', { username: 'u', password: 'p' }, 'utf8mb4_bin'),
    ).toThrow(/bad database name/);
  });
});

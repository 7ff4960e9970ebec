-- Runs once, when the MySQL container starts on an empty data volume.
-- Each service owns its database and its user can reach no other one, so neither app can read
-- the other's data even by mistake. Local passwords only: never used outside docker compose.

CREATE DATABASE IF NOT EXISTS customer CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE DATABASE IF NOT EXISTS sales CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE USER IF NOT EXISTS 'customer_api'@'%' IDENTIFIED BY 'customer_api';
GRANT ALL PRIVILEGES ON customer.* TO 'customer_api'@'%';

CREATE USER IF NOT EXISTS 'sales_worker'@'%' IDENTIFIED BY 'sales_worker';
GRANT ALL PRIVILEGES ON sales.* TO 'sales_worker'@'%';

#!/bin/bash
# CI stand-in entrypoint: on an empty data directory, creates the system tables, sets root's
# password from MYSQL_ROOT_PASSWORD (root@localhost and root@%), runs /docker-entrypoint-initdb.d
# (*.sql, *.sh) against a server listening on its socket only, then serves on TCP 3306. As with
# the official image, a TCP ping answers only once initialisation is over.
set -euo pipefail
: "${MYSQL_ROOT_PASSWORD:?MYSQL_ROOT_PASSWORD is required by this stand-in}"
datadir=/var/lib/mysql
socket=/run/mysqld/mysqld.sock
chown -R mysql:mysql "$datadir" /run/mysqld

if [ ! -d "$datadir/mysql" ]; then
  echo "[stand-in] initialising $datadir (MariaDB standing in for MySQL)"
  mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db \
    --auth-root-authentication-method=normal >/dev/null
  mariadbd --user=mysql --datadir="$datadir" --skip-networking --socket="$socket" &
  pid=$!
  for _ in $(seq 1 60); do
    mariadb-admin --socket="$socket" -uroot ping >/dev/null 2>&1 && break
    sleep 0.5
  done
  pw=${MYSQL_ROOT_PASSWORD//\'/\'\'}
  mariadb --socket="$socket" -uroot <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '$pw';
CREATE USER 'root'@'%' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sql) echo "[stand-in] running $f"; mariadb --socket="$socket" -uroot -p"$MYSQL_ROOT_PASSWORD" <"$f" ;;
      *.sh) echo "[stand-in] running $f"; bash "$f" ;;
      *) ;;
    esac
  done
  mariadb-admin --socket="$socket" -uroot -p"$MYSQL_ROOT_PASSWORD" shutdown
  wait "$pid" || true
fi

exec mariadbd --user=mysql --datadir="$datadir" --socket="$socket" --bind-address=0.0.0.0 \
  --port=3306 --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
  --innodb-flush-log-at-trx-commit=2 --max-connections=500 "$@"

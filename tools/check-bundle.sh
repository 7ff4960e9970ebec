#!/usr/bin/env bash
# Proves the production bundle the way docker/Dockerfile builds it, without a Docker engine:
# in a temporary copy, a production-only install of the root package (no infra workspace) without
# optional dependencies (install scripts off, so no better-sqlite3: the image runs on MySQL only)
# plus the built dist/, run on the Node major the image ships (docker/Dockerfile's NODE_MAJOR).
# Each app starts against MariaDB and the SQS stand-in and must answer /health/ready, then one
# payment must go round trip to COMPLETED. A dependency missing from "dependencies" fails here.
#
# The payment is sent with an X-Request-Id: both apps' JSON logs must carry it as correlationId
# (the request, the accept and the status update in customer-api; the record in sales-worker).
#
#   npm run build && bash tools/check-bundle.sh      (MYSQL_URL, BUNDLE_NODE_MAJOR to override)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NODE_MAJOR=${BUNDLE_NODE_MAJOR:-$(sed -n 's/^ARG NODE_MAJOR=\([0-9]*\).*/\1/p' "$ROOT/docker/Dockerfile")}
MYSQL_URL=${MYSQL_URL:-mariadb://root@127.0.0.1:3306}
work=$(mktemp -d)
suffix=$$
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  mysql --protocol=tcp -h127.0.0.1 -uroot \
    -e "DROP DATABASE IF EXISTS bundle_customer_$suffix; DROP DATABASE IF EXISTS bundle_sales_$suffix" || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '== %s\n' "$*"; }

step "Node $NODE_MAJOR (the image's major), from the npm registry"
npm install --silent --no-save --no-audit --no-fund --prefix "$work/node" "node@$NODE_MAJOR" >/dev/null
node_dir=$(dirname "$(dirname "$(find "$work/node/node_modules" -path '*/bin/node' -type f | head -n 1)")")
export PATH="$node_dir/bin:$PATH"
node --version

step "production-only install beside the built dist/"
mkdir -p "$work/app"
cp "$ROOT/package.json" "$ROOT/package-lock.json" "$work/app/"
cp -r "$ROOT/dist" "$work/app/dist"
cd "$work/app"
# As the image: the root package alone, without the infra workspace (the CDK).
npm ci --omit=dev --omit=optional --ignore-scripts --workspaces=false --no-audit --no-fund --silent
test ! -e node_modules/jest && test ! -e node_modules/@nestjs/cli && test ! -e node_modules/better-sqlite3
test ! -e node_modules/aws-cdk-lib

step "SQS stand-in and databases"
sqs_port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
(cd "$ROOT" && SQS_PORT=$sqs_port exec /usr/bin/env node node_modules/tsx/dist/cli.mjs tools/sqs-stand-in.ts) &
pids+=($!)
mysql --protocol=tcp -h127.0.0.1 -uroot \
  -e "CREATE DATABASE bundle_customer_$suffix; CREATE DATABASE bundle_sales_$suffix"
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$sqs_port" && break; sleep 0.2; done

export NODE_ENV=production AWS_REGION=us-east-1 SQS_ENDPOINT="http://127.0.0.1:$sqs_port" \
  HOST=127.0.0.1 LOG_LEVEL=info SQS_WAIT_TIME_SECONDS=1 AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
node dist/apps/queue-admin/main.js setup

step "both apps from the bundle"
api_port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
worker_port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
# The round trip sends no API key: production starts open only with the explicit opt-in.
PORT=$api_port ALLOW_ANONYMOUS_API=true DATABASE_URL="$MYSQL_URL/bundle_customer_$suffix" \
  node dist/apps/customer-api/main.js \
  >"$work/customer-api.log" 2>&1 &
pids+=($!)
# The worker traces (to a port nothing listens on): the OpenTelemetry SDK and instrumentations
# must load from the production install; customer-api shows tracing off.
PORT=$worker_port DATABASE_URL="$MYSQL_URL/bundle_sales_$suffix" \
  OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9 node dist/apps/sales-worker/main.js \
  >"$work/sales-worker.log" 2>&1 &
pids+=($!)
for port in "$api_port" "$worker_port"; do
  ready=no
  for _ in $(seq 1 120); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready"; then ready=yes; break; fi
    sleep 0.5
  done
  test "$ready" = yes || {
    echo "app on port $port never became ready" >&2
    tail -n 20 "$work"/*.log >&2
    exit 1
  }
  echo "ready on :$port"
done

step "one payment, round trip"
correlation="bundle-check-$suffix"
location=$(curl -sf -D - -o /dev/null -X POST "http://127.0.0.1:$api_port/payments" \
  -H 'Content-Type: application/json' -H "X-Request-Id: $correlation" \
  -d '{"customerId":"bundle","policyId":"pol-1","amount":4200,"currency":"EUR"}' |
  tr -d '\r' | awk 'tolower($1)=="location:" {print $2}')
status=PENDING
for _ in $(seq 1 60); do
  status=$(curl -sf "http://127.0.0.1:$api_port$location" | node -e "process.stdin.on('data',d=>console.log(JSON.parse(d).status))")
  [ "$status" = COMPLETED ] && break
  sleep 0.5
done
test "$status" = COMPLETED || { echo "payment $location is $status, not COMPLETED" >&2; exit 1; }
echo "payment $location COMPLETED on Node $(node --version) from a production-only install"

step "the correlationId in both apps' logs"
for expected in 'request completed' 'payment accepted' 'payment status message'; do
  grep "\"correlationId\":\"$correlation\"" "$work/customer-api.log" | grep -q "\"msg\":\"$expected\"" ||
    { echo "customer-api logged no '$expected' line with the correlationId" >&2; exit 1; }
done
worker_lines=$(grep -c "\"correlationId\":\"$correlation\"" "$work/sales-worker.log" || true)
test "$worker_lines" -ge 1 || { echo "sales-worker logged no line with the correlationId" >&2; exit 1; }
echo "customer-api: $(grep -c "$correlation" "$work/customer-api.log") lines, sales-worker: $worker_lines lines"

step "tracing: on in sales-worker (trace_id in its log lines), off in customer-api"
grep "\"correlationId\":\"$correlation\"" "$work/sales-worker.log" | grep -q '"trace_id":"[0-9a-f]\{32\}"' ||
  { echo "sales-worker traced nothing: the OpenTelemetry SDK did not start" >&2; exit 1; }
! grep -q '"trace_id"' "$work/customer-api.log" ||
  { echo "customer-api traced with no OTEL_* variable set" >&2; exit 1; }
echo "sales-worker lines carry trace_id; customer-api's do not"

#!/usr/bin/env bash
# `npm run test:compose`: the project's own docker-compose.yml, run for real in containers.
#
#   1. a Docker engine (tools/compose/engine.sh: installed and started when absent)
#   2. the images (tools/compose/images.sh: base images and stand-ins built locally once, the
#      app images through docker-compose build, cached by Docker's layer cache)
#   3. docker-compose.yml + docker-compose.stand-ins.yml (MariaDB and fauxqs in place of
#      mysql:8.0 and LocalStack, which this CI cannot pull), published on free 127.0.0.1 ports
#   4. the README's curl session; 1,000 payments, each COMPLETED and counted once;
#      `docker-compose stop` of the worker under load and start again, nothing lost;
#      queue-setup run twice more, the queues unchanged
#   5. scale-out: 2 customer-api and 3 sales-worker replicas, 1,000 payments spread over both
#      APIs; then 1,000 more while one replica of each is killed (SIGKILL)
# Everything it started is removed on exit, failure included: containers, networks, volumes,
# and the engine with its network changes when this run started it.
#   COMPOSE_KEEP_ENGINE=1   leave an engine this run started running (images stay cached anyway)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
# shellcheck source=tools/compose/engine.sh
source tools/compose/engine.sh

export COMPOSE_PROJECT_NAME=payments-ci
free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
# Every port published on loopback only, on free ports: 3000-3001/3306/4566 may be taken on this
# host. The apps get fixed ones, so a restarted worker keeps its address; the replicas of the
# scale-out round get ports of Docker's choosing (`127.0.0.1:`).
CUSTOMER_API_PUBLISH=127.0.0.1:$(free_port)
SALES_WORKER_PUBLISH=127.0.0.1:$(free_port)
export CUSTOMER_API_PUBLISH SALES_WORKER_PUBLISH MYSQL_PUBLISH=127.0.0.1: LOCALSTACK_PUBLISH=127.0.0.1:
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
COMPOSE_FILES=(-f docker-compose.yml -f docker-compose.stand-ins.yml)
SCALE=(--scale customer-api=2 --scale sales-worker=3)
t_start=$(date +%s)
logs=$(mktemp -d)

compose() { docker-compose "${COMPOSE_FILES[@]}" "$@"; }
step() { printf '== [%4ss] %s\n' "$(($(date +%s) - t_start))" "$*"; }
fail() {
  echo "FAILED: $*" >&2
  exit 1
}

cleanup() {
  local rc=$?
  set +e
  if [ "$rc" -ne 0 ] && docker info >/dev/null 2>&1; then
    echo "== logs of the failed run (last lines of each service)" >&2
    compose ps >&2
    compose logs --no-color --tail=25 >&2
  fi
  if docker info >/dev/null 2>&1; then
    compose down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1
  fi
  if [ -z "${COMPOSE_KEEP_ENGINE:-}" ]; then engine_stop; fi
  rm -rf "$logs"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Published host port of replica $2 (default 1) of service $1 for container port $3.
port_of() { compose port --index="${2}" "$1" "$3" | awk -F: '{print $NF}'; }
ids_of() { compose ps -q "$1"; }

# Waits until every container of the stack is healthy (queue-setup: exited 0).
wait_healthy() {
  local deadline=$(($(date +%s) + ${1:-300})) id state health name waiting
  while :; do
    waiting=
    for id in $(compose ps -q); do
      read -r name state health < <(docker inspect --format \
        '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}:{{.State.ExitCode}}' "$id")
      case "$name $state $health" in
        *queue-setup*' exited none:0') ;;
        *' running healthy:'*) ;;
        *queue-setup*' exited '*) fail "queue-setup exited: $health" ;;
        *) waiting="$waiting $name($state/$health)" ;;
      esac
    done
    [ -z "$waiting" ] && return 0
    [ "$(date +%s)" -lt "$deadline" ] || fail "not healthy in time:$waiting"
    sleep 2
  done
}

load() { nice -n 5 npx tsx tools/compose/load.ts "$@"; }

step "engine"
engine_start
docker-compose version --short

step "images"
bash tools/compose/images.sh
t_images=$(date +%s)

step "up: docker-compose.yml with the stand-ins (mysql, localstack) swapped in"
compose down --volumes --remove-orphans --timeout 5 >/dev/null 2>&1 || true
t_up=$(date +%s)
compose up -d
wait_healthy 300
up_seconds=$(($(date +%s) - t_up))
step "healthy ${up_seconds}s after up"
api="http://127.0.0.1:$(port_of customer-api 1 3000)"
worker="http://127.0.0.1:$(port_of sales-worker 1 3001)"
sqs="http://127.0.0.1:$(port_of localstack 1 4566)"
echo "customer-api $api, sales-worker $worker, SQS stand-in $sqs"

step "the README's curl session"
period=$(date -u +%Y-%m)
response=$(curl -s -i -X POST "$api/payments" \
  -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-1' \
  -d '{"customerId":"cust-1","policyId":"pol-1","amount":12500,"currency":"USD"}' | tr -d '\r')
echo "$response" | head -n 1
echo "$response" | grep -q '^HTTP/1.1 202' || fail "POST /payments: $response"
request_id=$(echo "$response" | tail -n 1 | node -e 'process.stdin.on("data",d=>console.log(JSON.parse(d).requestId))')
status=
for _ in $(seq 1 30); do
  status=$(curl -s "$api/payments/$request_id" | node -e 'process.stdin.on("data",d=>console.log(JSON.parse(d).status))')
  [ "$status" = COMPLETED ] && break
  sleep 1
done
echo "GET /payments/$request_id: $status"
[ "$status" = COMPLETED ] || fail "payment $request_id is $status"
replayed=$(curl -s -i -X POST "$api/payments" \
  -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-1' \
  -d '{"customerId":"cust-1","policyId":"pol-1","amount":12500,"currency":"USD"}' | tr -d '\r')
echo "$replayed" | grep -qi '^idempotent-replayed: true' || fail "the same key was not replayed"
totals=$(curl -s "$worker/sales?period=$period")
echo "GET /sales?period=$period: $totals"
echo "$totals" | grep -q '"currency":"USD","count":1,"amount":"\?12500"\?' || fail "sales totals: $totals"

step "1,000 payments through the API"
load --apis "$api" --workers "$worker" --count 1000 --period 2031-01 --concurrency 16 |
  tee "$logs/single.json"

step "docker-compose stop sales-worker under load, then start it again"
load --apis "$api" --workers "$worker" --count 500 --period 2031-02 --concurrency 8 \
  --at 100 --run "docker-compose ${COMPOSE_FILES[*]} stop sales-worker && sleep 5 &&
    docker-compose ${COMPOSE_FILES[*]} start sales-worker" |
  tee "$logs/stop-start.json"

step "queue-setup is idempotent: run twice more, queues unchanged, apps untouched"
npx tsx tools/compose/queues.ts "$sqs" >"$logs/queues-before.json"
api_started=$(docker inspect --format '{{.State.StartedAt}}' "$(ids_of customer-api)")
for run in 2 3; do
  compose up -d --no-deps --force-recreate queue-setup
  compose up -d
  wait_healthy 120
  setup_id=$(ids_of queue-setup)
  [ "$(docker inspect --format '{{.State.ExitCode}}' "$setup_id")" = 0 ] || fail "queue-setup run $run failed"
  echo "queue-setup run $run: exit 0"
done
npx tsx tools/compose/queues.ts "$sqs" >"$logs/queues-after.json"
diff "$logs/queues-before.json" "$logs/queues-after.json" || fail "queues changed"
echo "queues unchanged: $(node -e 'console.log(Object.keys(require(process.argv[1])).join(", "))' "$logs/queues-after.json")"
[ "$(docker inspect --format '{{.State.StartedAt}}' "$(ids_of customer-api)")" = "$api_started" ] ||
  fail "customer-api was restarted by a second up"

step "scale out: 2 customer-api, 3 sales-worker"
t_scale=$(date +%s)
# A port of Docker's choosing for each replica (the apps are recreated for the new ports).
export CUSTOMER_API_PUBLISH=127.0.0.1: SALES_WORKER_PUBLISH=127.0.0.1:
compose up -d "${SCALE[@]}"
wait_healthy 300
step "scaled and healthy $(($(date +%s) - t_scale))s after up --scale"
apis="http://127.0.0.1:$(port_of customer-api 1 3000),http://127.0.0.1:$(port_of customer-api 2 3000)"
workers=$(for i in 1 2 3; do printf 'http://127.0.0.1:%s,' "$(port_of sales-worker "$i" 3001)"; done)
workers=${workers%,}
echo "APIs $apis; workers $workers"

step "1,000 payments over both APIs, every replica up"
load --apis "$apis" --workers "$workers" --count 1000 --period 2031-03 --concurrency 16 |
  tee "$logs/scale.json"

step "1,000 payments over both APIs, one replica of each killed (SIGKILL) mid-load"
api2=$(docker ps -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" \
  --filter label=com.docker.compose.service=customer-api --filter label=com.docker.compose.container-number=2)
worker3=$(docker ps -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" \
  --filter label=com.docker.compose.service=sales-worker --filter label=com.docker.compose.container-number=3)
[ -n "$api2" ] && [ -n "$worker3" ] || fail "replicas to kill not found"
# The killed replicas' host ports stay in the lists: the client finds them dead and moves on.
load --apis "$apis" --workers "$workers" --count 1000 --period 2031-04 --concurrency 16 \
  --at 300 --run "docker kill --signal KILL $api2" \
  --at 400 --run "docker kill --signal KILL $worker3" |
  tee "$logs/scale-kill.json"

step "failed deliveries in the workers' logs, by error (a duplicate needs none: see docs/containers.md)"
compose logs --no-color sales-worker | grep -o '"msg":"payment.recorded failed; retrying"\|"err":{[^}]*"message":"[^"]\{0,120\}' |
  sed 's/.*"message":"//' | sort | uniq -c | sort -rn | head -n 5 || true

step "done: images ready $((t_images - t_start))s, healthy ${up_seconds}s after up, total $(($(date +%s) - t_start))s"
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E '^(payments|debian|node)' | sort
echo "compose: 6 passed, 0 failed"

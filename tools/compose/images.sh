#!/usr/bin/env bash
# CI ONLY. Everything `tools/compose/run.sh` runs, built without a registry:
#   the base images docker/Dockerfile names (base-images.sh; kept once they exist),
#   the two stand-ins docker-compose.stand-ins.yml names (kept once they exist),
#   the project's three app images through its own docker-compose.yml (always built: Docker's
#   layer cache makes an unchanged build take seconds, and a changed one is never skipped).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export COMPOSE_PROJECT_NAME=${COMPOSE_PROJECT_NAME:-payments-ci}

bash tools/compose/base-images.sh

stand_in() {
  local tag=$1 dir=$2
  shift 2
  if docker image inspect "$tag" >/dev/null 2>&1; then return 0; fi
  echo "== stand-in $tag"
  nice -n 10 docker build -q -t "$tag" "$@" "$dir" >/dev/null
}
stand_in payments-ci/mysql-stand-in:mariadb-10.11 tools/compose/stand-ins/mysql
stand_in payments-ci/localstack-stand-in:fauxqs tools/compose/stand-ins/sqs \
  --build-arg "FAUXQS_VERSION=$(node -p 'require("./package.json").devDependencies.fauxqs')"

echo "== app images (docker-compose build: the project's Dockerfile, unchanged)"
# One at a time: the shared stages are built once and then come from the cache.
for service in queue-setup customer-api sales-worker; do
  nice -n 10 docker-compose -f docker-compose.yml -f docker-compose.stand-ins.yml build -q "$service"
done
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E '^(payments|debian|node)' | sort

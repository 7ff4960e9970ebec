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
# The stand-ins mostly wait on downloads and dpkg: built beside the app images.
(
  stand_in payments-ci/mysql-stand-in:mariadb-10.11 tools/compose/stand-ins/mysql
  stand_in payments-ci/localstack-stand-in:fauxqs tools/compose/stand-ins/sqs \
    --build-arg "FAUXQS_VERSION=$(node -p 'require("./package.json").devDependencies.fauxqs')"
) &
stand_ins=$!

echo "== app images (docker-compose build: the project's Dockerfile, unchanged)"
build() { nice -n 10 docker-compose -f docker-compose.yml -f docker-compose.stand-ins.yml build -q "$@"; }
# queue-admin first builds the stages every app shares (the build stage compiles all three apps
# at once); the two apps then only add their own runtime layers.
build queue-setup
build --parallel customer-api sales-worker
wait "$stand_ins" || { echo "building a stand-in failed" >&2; exit 1; }
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E '^(payments|debian|node)' | sort

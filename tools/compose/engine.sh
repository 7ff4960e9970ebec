# Sourced by tools/compose/run.sh. Makes a Docker engine available and, when this run started it,
# takes it away again with every network change it made:
#   engine_start   installs docker.io and docker-compose (Debian's) when absent; when no engine
#                  answers, records iptables, ip_forward and the links, then starts dockerd with
#                  its defaults in the background
#   engine_stop    only when engine_start started it: stops that dockerd by its pid, restores the
#                  recorded iptables tables and ip_forward, deletes the links it created
# shellcheck shell=bash

ENGINE_STATE=${ENGINE_STATE:-$(mktemp -d)}
ENGINE_PID=

engine_install() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]} (Debian)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

engine_record() {
  cat /proc/sys/net/ipv4/ip_forward >"$ENGINE_STATE/ip_forward"
  iptables-save >"$ENGINE_STATE/iptables" 2>/dev/null || true
  ip6tables-save >"$ENGINE_STATE/ip6tables" 2>/dev/null || true
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort >"$ENGINE_STATE/links"
}

engine_start() {
  engine_install
  # Debian's docker CLI; another `docker` earlier on PATH may be newer than this engine.
  if [ -x /usr/bin/docker ]; then export PATH="/usr/bin:$PATH"; fi
  if docker info >/dev/null 2>&1; then
    echo "== a Docker engine is already running: using it, leaving it running"
    return 0
  fi
  engine_record
  echo "== starting dockerd (defaults)"
  dockerd >"$ENGINE_STATE/dockerd.log" 2>&1 &
  ENGINE_PID=$!
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$ENGINE_PID" 2>/dev/null || break
    sleep 1
  done
  docker info >/dev/null 2>&1 || {
    tail -n 30 "$ENGINE_STATE/dockerd.log" >&2
    return 1
  }
  echo "dockerd $(docker version --format '{{.Server.Version}}') pid $ENGINE_PID, storage $(docker info --format '{{.Driver}}')"
}

# Tables that existed before are restored as they were; tables dockerd brought in are emptied.
engine_restore_tables() {
  local save=$1 restore=$2 cmd=$3 before=$4 table chain
  [ -f "$before" ] || return 0
  for table in $($save 2>/dev/null | sed -n 's/^\*//p'); do
    if grep -qx "\*$table" "$before"; then continue; fi
    $cmd -t "$table" -F
    $cmd -t "$table" -X
    for chain in $($cmd -t "$table" -S | awk '$1=="-P"{print $2}'); do
      $cmd -t "$table" -P "$chain" ACCEPT
    done
  done
  if [ -s "$before" ]; then $restore <"$before"; fi
}

# iptables-save output less comments, counters and empty accepting built-in chains.
engine_rules() {
  grep -v -E '^(#|\*|COMMIT$|:(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) ACCEPT)' |
    sed 's/\[[0-9]*:[0-9]*\]//' || true
}

engine_stop() {
  [ -n "$ENGINE_PID" ] || return 0
  echo "== stopping dockerd (pid $ENGINE_PID) and undoing its network changes"
  kill "$ENGINE_PID" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$ENGINE_PID" 2>/dev/null || break; sleep 1; done
  kill -9 "$ENGINE_PID" 2>/dev/null || true
  wait "$ENGINE_PID" 2>/dev/null || true
  ENGINE_PID=
  local link
  for link in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | comm -13 "$ENGINE_STATE/links" -); do
    ip link delete "$link" 2>/dev/null || true
  done
  engine_restore_tables iptables-save iptables-restore iptables "$ENGINE_STATE/iptables"
  engine_restore_tables ip6tables-save ip6tables-restore ip6tables "$ENGINE_STATE/ip6tables"
  cat "$ENGINE_STATE/ip_forward" >/proc/sys/net/ipv4/ip_forward
  # Tables iptables-nft had to create stay, empty and accepting: the same filtering as none.
  diff <(iptables-save | engine_rules) <(engine_rules <"$ENGINE_STATE/iptables") >/dev/null ||
    echo "warning: iptables rules differ from before dockerd started" >&2
  echo "ip_forward $(cat /proc/sys/net/ipv4/ip_forward), links as before: $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | cmp -s - "$ENGINE_STATE/links" && echo yes || echo no)"
}

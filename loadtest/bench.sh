#!/usr/bin/env bash
# One benchmark run on a fresh store: starts `quickclear up` (and, for nats, a fresh nats-server),
# runs `quickclear loadtest` against it, keeps the JSON and the final /metrics, stops what it started.
#
#   loadtest/bench.sh embedded 500            # 500 reports/s for 15 s on the embedded store
#   loadtest/bench.sh nats 500 15s --seed 2   # over NATS JetStream; extra args go to the load tool
#
# Run from the checkout (the roster file points at ../shared/data). Env: QUICKCLEAR_BIN (default
# ./target/release/quickclear), PORT (8080), NATS_PORT (4333; its monitoring
# port is the next one), OUT_DIR (/tmp/lt-results), ACK (1: the
# load tool acknowledges every task; 0: it does not), TAG (the results' file names; $mode-$rate),
# SYNC (embedded only: every-commit, the default, or checkpoint; see `quickclear up --help`).
set -euo pipefail

mode=${1:?embedded or nats}
rate=${2:?reports per second}
duration=${3:-15s}
shift $(( $# < 3 ? $# : 3 ))
bin=${QUICKCLEAR_BIN:-./target/release/quickclear}
port=${PORT:-8080}
nats_port=${NATS_PORT:-4333}
out=${OUT_DIR:-/tmp/lt-results}
ack=(--ack)
[[ ${ACK:-1} == 0 ]] && ack=()
tag=${TAG:-$mode-$rate}
mkdir -p "$out"
data=$(mktemp -d /tmp/lt-data.XXXXXX)
server_pid= nats_pid=

cleanup() {
    set +e
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [[ -n $nats_pid ]] && kill "$nats_pid" 2>/dev/null && wait "$nats_pid" 2>/dev/null
    rm -rf "$data"
}
trap cleanup EXIT

store_args=(--data-dir "$data/embedded" --sync "${SYNC:-every-commit}")
if [[ $mode == nats ]]; then
    nats-server -js -sd "$data/js" -p "$nats_port" -m "$((nats_port + 1))" >"$out/$tag.nats.log" 2>&1 &
    nats_pid=$!
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$((nats_port + 1))/healthz" >/dev/null && break; sleep 0.1; done
    store_args=(--nats "nats://127.0.0.1:$nats_port")
fi

# The demo accounts: the load tool signs in as their admin (`quickclear loadtest` does by default).
RUST_LOG=${RUST_LOG:-warn} "$bin" up --config infra/roster/chicago.toml --users infra/users/demo.toml \
    "${store_args[@]}" --http "127.0.0.1:$port" >"$out/$tag.server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

echo "== $mode $rate/s for $duration; $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# CPU seconds (user + system) a process has used so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$1/stat"; }
server_cpu0=$(cpu "$server_pid")
nats_cpu0=$([[ -n $nats_pid ]] && cpu "$nats_pid" || echo 0)
rc=0
/usr/bin/time -f "== load tool: %U s user, %S s system, %e s wall" \
    "$bin" loadtest --target "http://127.0.0.1:$port" --rate "$rate" --duration "$duration" "${ack[@]}" \
    --out "$out/$tag.json" "$@" || rc=$?
curl -s "http://127.0.0.1:$port/metrics" >"$out/$tag.metrics"
[[ -n $nats_pid ]] && curl -s "http://127.0.0.1:$((nats_port + 1))/jsz?streams=true" >"$out/$tag.jsz.json"
line="== CPU seconds over the run: quickclear up $(awk "BEGIN{print $(cpu "$server_pid") - $server_cpu0}")"
[[ -n $nats_pid ]] && line+=", nats-server $(awk "BEGIN{print $(cpu "$nats_pid") - $nats_cpu0}")"
echo "$line"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg); exit $rc"
exit $rc

#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# bench/pool.sh [--duration SECONDS]: what the dbkit connection pool
# (lib/pool.c) is worth, measured with dbpool-bench against the sandbox
# server, over the Unix socket and over TCP 127.0.0.1 in the same run:
#
# 1. SELECT 1, 8 clients, the pool as large as the clients (--pool-min 8
#    --pool-max 8): persistent, pool (DB_POOL_RESET=changed, the default),
#    pool --pool-reset always and connect, each run R times (default 5,
#    $BENCH_ROUNDS) in rounds whose order rotates, so that the machine's
#    drift falls on every mode alike. Requests/s, p50 and p99 are the
#    medians over the rounds; the goals take the median of the ratios of
#    each round, whose runs are adjacent in time (the load of this shared
#    machine swings from round to round more than between two modes):
#        pool / persistent requests/s  >= 0.95
#        pool / connect requests/s     >= 5
# 2. A sanity anchor (the peers' reference figure): sysbench
#    oltp_point_select with 8 threads next to dbpool-bench --mode persistent
#    --workload point with 8 clients, for the same time. sysbench's 4 x
#    10,000-row tables go to a database of its own, dbkit_pool_sb (created
#    and dropped here; the database `bench` of bench/backup.sh is left
#    alone); the point table, dbkit_bench.pool_t with 10,000 rows, is
#    prepared once by dbpool-bench and cleaned up at the end. Skipped with a
#    note when sysbench is not installed (scripts/deps --bench).
# 3. 64 clients that think 10ms between SELECT 1s: pool mode with
#    --pool-max 8 against persistent mode (64 connections): requests/s of
#    both, the pool's peak_open (should be 8), and the server's
#    Threads_connected sampled half way through each run (it includes the
#    sampling connection itself; the idle baseline is printed too).
# 4. The pool's own cost: tests/lib/pooltest micro 200000, nanoseconds per
#    acquire+release with nothing in between, under DB_POOL_RESET changed,
#    never and always (a round trip each).
#
# Every dbpool-bench run is --json, --warmup 1s and --duration D (default
# 5s, or $BENCH_DURATION); sysbench runs D+1 s with a report checkpoint
# after 1 s, so that its figures cover the last D s only. The whole script
# takes about 6 minutes with D = 5 and R = 5.
#
# The sandbox (scripts/sandbox) is started with --max-connections=500 when
# it is not running, and then stopped at the end; a running sandbox is
# used as it is (it needs max_connections >= 80). Results go to
# bench/results/pool-<time>/: summary.txt (what is printed), the raw JSON
# of each dbpool-bench run, sysbench-*.txt, micro-*.txt. The script exits
# non-zero only when a command fails, never because of a figure: the goal
# lines say met or MISSED. Client and server share the machine's CPUs and
# it is noisy: compare the ratios of one run, not figures across runs.

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sandbox=$top/scripts/sandbox
bench=$top/dbpool-bench/dbpool-bench
pooltest=$top/tests/lib/pooltest

die() {
	printf 'pool.sh: %s\n' "$*" >&2
	exit 1
}

dur=${BENCH_DURATION:-5}
rounds=${BENCH_ROUNDS:-5}
case ${1-} in
--duration) dur=${2:?--duration needs a number of seconds} ;;
--duration=*) dur=${1#--duration=} ;;
'') ;;
-h | --help) echo "usage: bench/pool.sh [--duration SECONDS]   (or BENCH_DURATION=SECONDS; BENCH_ROUNDS=N)"; exit 0 ;;
*) echo "usage: bench/pool.sh [--duration SECONDS]   (or BENCH_DURATION=SECONDS)" >&2; exit 2 ;;
esac
[[ $dur =~ ^[1-9][0-9]*$ ]] || { echo "pool.sh: bad duration: $dur" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "pool.sh: bad BENCH_ROUNDS: $rounds" >&2; exit 2; }
warm=1
for tool in jq mariadb; do
	command -v "$tool" >/dev/null || die "$tool not found (scripts/deps --bench)"
done
have_sysbench=
command -v sysbench >/dev/null && have_sysbench=1

[[ -x $bench ]] || make -C "$top" dbpool-bench/dbpool-bench >/dev/null
[[ -x $pooltest ]] || make -C "$top" tests/lib/pooltest >/dev/null

# Background processes (dbpool-bench runs being sampled) and what to clean
# up in the server; the trap undoes all of it, then stops the sandbox only
# when this script started it.
started='' bgpid='' sbdb='' pointdb=''
cleanup() {
	local rc=$?
	if [[ -n $bgpid ]]; then
		kill "$bgpid" 2>/dev/null || true
		wait "$bgpid" 2>/dev/null || true
	fi
	if [[ -n $pointdb ]]; then
		"$bench" --no-defaults -S "$DB_SOCKET" -u root --workload point --cleanup \
			--requests 1 --warmup 0 --clients 1 --mode persistent >/dev/null 2>&1 ||
			{ echo "pool.sh: cleanup of dbkit_bench.pool_t failed" >&2; rc=1; }
	fi
	if [[ -n $sbdb ]]; then
		sql -e "DROP DATABASE IF EXISTS $sbdb" || { echo "pool.sh: DROP DATABASE $sbdb failed" >&2; rc=1; }
	fi
	[[ -z $started ]] || "$sandbox" stop >/dev/null || rc=1
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! "$sandbox" status >/dev/null; then
	"$sandbox" start --max-connections=500 >/dev/null
	started=1
fi
eval "$("$sandbox" env)"
SOCK=$DB_SOCKET PORT=$DB_PORT
# dbpool-bench and pooltest read DB_*: keep the environment out of the way
# and give each run its transport explicitly.
unset DB_SOCKET DB_HOST DB_PORT DB_USER DB_NAME DB_PASSWORD
DB_SOCKET=$SOCK # for cleanup()

sql() {
	mariadb --no-defaults -uroot --socket="$SOCK" -N -B "$@"
}
threads_connected() {
	sql -e "SHOW GLOBAL STATUS LIKE 'Threads_connected'" | cut -f2
}

maxconn=$(sql -e 'SELECT @@max_connections')
((maxconn >= 80)) || die "the running sandbox has max_connections=$maxconn; stop it (scripts/sandbox stop) so that this script starts it with 500"

out=$top/bench/results/pool-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"

transports=(sock tcp)
declare -A conn=(
	[sock]="--no-defaults -u root -S $(printf %q "$SOCK")"
	[tcp]="--no-defaults -u root -h 127.0.0.1 -P $PORT"
)
declare -A pt_env=(
	[sock]="DB_USER=root DB_SOCKET=$(printf %q "$SOCK") DB_HOST=localhost"
	[tcp]="DB_USER=root DB_HOST=127.0.0.1 DB_PORT=$PORT"
)
declare -A sb_conn=(
	[sock]="--mysql-socket=$(printf %q "$SOCK")"
	[tcp]="--mysql-host=127.0.0.1 --mysql-port=$PORT"
)
timing="--duration ${dur}s --warmup ${warm}s --json"
: >"$out/commands.txt"

# bench NAME ARGS...: one dbpool-bench run into NAME.json.
run_bench() {
	local name=$1
	shift
	printf '%-24s dbpool-bench %s\n' "$name" "$*" >>"$out/commands.txt"
	printf 'pool.sh: %s\n' "$name" >&2
	if ! eval "$(printf %q "$bench") $*" >"$out/$name.json" 2>"$out/$name.err"; then
		cat "$out/$name.err" >&2
		die "dbpool-bench failed: $name"
	fi
	[[ -s $out/$name.err ]] || rm -f "$out/$name.err"
}

# sampled NAME ARGS...: as run_bench, in the background, with
# Threads_connected read half way through the measured part into NAME.tc.
sampled() {
	local name=$1 rc=0
	shift
	printf '%-24s dbpool-bench %s\n' "$name" "$*" >>"$out/commands.txt"
	printf 'pool.sh: %s\n' "$name" >&2
	eval "$(printf %q "$bench") $*" >"$out/$name.json" 2>"$out/$name.err" &
	bgpid=$!
	sleep "$(awk -v w="$warm" -v d="$dur" 'BEGIN { print w + d / 2 }')"
	threads_connected >"$out/$name.tc"
	wait "$bgpid" || rc=$?
	bgpid=
	if ((rc != 0)); then
		cat "$out/$name.err" >&2
		die "dbpool-bench failed: $name"
	fi
	[[ -s $out/$name.err ]] || rm -f "$out/$name.err"
}

# sysbench_run T: oltp_point_select with 8 threads on transport T.
sysbench_run() {
	local t=$1 c
	c="sysbench oltp_point_select --db-driver=mysql ${sb_conn[$t]} --mysql-user=root --mysql-db=$sbdb --tables=4 --table-size=10000 --threads=8 --time=$((dur + warm)) --report-checkpoints=$warm --percentile=99 run"
	printf '%-24s %s\n' "sysbench-$t" "$c" >>"$out/commands.txt"
	printf 'pool.sh: sysbench-%s\n' "$t" >&2
	eval "$c" >"$out/sysbench-$t.txt" 2>&1 || { tail -n 5 "$out/sysbench-$t.txt" >&2; die "sysbench failed ($t)"; }
}

baseline_tc=$(threads_connected)
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# --- 1. the modes, SELECT 1, 8 clients, pool of 8, in rotating rounds.
s1_modes=(persistent pool pool-always connect)
declare -A s1_args=(
	[persistent]="--mode persistent"
	[pool]="--mode pool"
	[pool-always]="--mode pool --pool-reset always"
	[connect]="--mode connect"
)
for t in "${transports[@]}"; do
	for ((r = 1; r <= rounds; r++)); do
		for ((i = 0; i < ${#s1_modes[@]}; i++)); do
			m=${s1_modes[(i + r - 1) % ${#s1_modes[@]}]}
			run_bench "s1-$t-$m-$r" "${conn[$t]} ${s1_args[$m]} --clients 8 --pool-min 8 --pool-max 8 $timing"
		done
	done
done

# --- 2. the point-select anchor.
notes=()
pointdb=1
eval "$(printf %q "$bench") ${conn[sock]} --workload point --prepare --rows 10000 --requests 1 --warmup 0 --clients 1 --json \
	--mode persistent" >"$out/point-prepare.json" 2>"$out/point-prepare.err" ||
	{ cat "$out/point-prepare.err" >&2; die "dbpool-bench --prepare failed"; }
rm -f "$out/point-prepare.err"
if [[ -n $have_sysbench ]]; then
	sbdb=dbkit_pool_sb
	sql -e "DROP DATABASE IF EXISTS $sbdb; CREATE DATABASE $sbdb"
	printf 'pool.sh: sysbench prepare\n' >&2
	sysbench oltp_point_select --db-driver=mysql --mysql-socket="$SOCK" --mysql-user=root \
		--mysql-db="$sbdb" --tables=4 --table-size=10000 prepare >"$out/sysbench-prepare.txt" 2>&1 ||
		{ tail -n 5 "$out/sysbench-prepare.txt" >&2; die "sysbench prepare failed"; }
else
	notes+=("sysbench not found: its anchor is skipped (scripts/deps --bench installs it)")
fi
for t in "${transports[@]}"; do
	[[ -z $have_sysbench ]] || sysbench_run "$t"
	run_bench "point-persistent-$t" "${conn[$t]} --mode persistent --workload point --rows 10000 --clients 8 $timing"
done

# --- 3. 64 thinking clients: a pool of 8 against 64 connections.
for t in "${transports[@]}"; do
	sampled "think-pool-$t" "${conn[$t]} --mode pool --clients 64 --think 10ms --pool-min 2 --pool-max 8 $timing"
	sampled "think-persistent-$t" "${conn[$t]} --mode persistent --clients 64 --think 10ms $timing"
done

# --- 4. the pool's own cost.
for t in "${transports[@]}"; do
	printf '%-24s %s %s micro 200000\n' "micro-$t" "${pt_env[$t]}" "tests/lib/pooltest" >>"$out/commands.txt"
	printf 'pool.sh: micro-%s\n' "$t" >&2
	eval "env ${pt_env[$t]} DB_POOL_MIN_CONNECTIONS=1 DB_POOL_MAX_CONNECTIONS=1 $(printf %q "$pooltest") micro 200000" \
		>"$out/micro-$t.txt" 2>&1 || { cat "$out/micro-$t.txt" >&2; die "pooltest micro failed ($t)"; }
	grep -Eq 'changed_ns=[0-9]+ always_ns=[0-9]+ never_ns=[0-9]+' "$out/micro-$t.txt" ||
		{ cat "$out/micro-$t.txt" >&2; die "pooltest micro printed no figures ($t)"; }
done

# --- the summary.
j() { jq -r "$1" "$out/$2.json"; }
# ratios T A B: requests/s of mode A over mode B in each round, a line each.
ratios() {
	local r
	for ((r = 1; r <= rounds; r++)); do
		jq -rs '.[0].requests_per_s / .[1].requests_per_s * 100 | floor / 100' \
			"$out/s1-$1-$2-$r.json" "$out/s1-$1-$3-$r.json"
	done
}
median() {
	sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# s1 T MODE FILTER: FILTER over the rounds' results (an array), with m(f)
# the median of f.
s1() {
	jq -rs "def m(f): map(f) | sort | if length % 2 == 1 then .[length / 2 | floor]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end; $3" "$out/s1-$1-$2-"[0-9]*.json
}
micro() { sed -nE "s/.*$1=([0-9]+).*/\1/p" "$out/micro-$2.txt" | tail -n 1; }
sbfield() { # sysbench-T.txt: the figures after the checkpoint (the last section)
	case $1 in
	qps) sed -nE 's/^ *queries: +[0-9]+ +\(([0-9.]+) per sec\.\).*/\1/p' "$out/sysbench-$2.txt" | tail -n 1 ;;
	avg) sed -nE 's/^ *avg: +([0-9.]+)$/\1/p' "$out/sysbench-$2.txt" | tail -n 1 ;;
	p99) sed -nE 's/^ *99th percentile: +([0-9.]+)$/\1/p' "$out/sysbench-$2.txt" | tail -n 1 ;;
	err) sed -nE 's/^ *ignored errors: +([0-9]+).*/\1/p' "$out/sysbench-$2.txt" | tail -n 1 ;;
	esac
}
goal() { # LABEL VALUE OP GOAL
	awk -v l="$1" -v x="$2" -v op="$3" -v g="$4" 'BEGIN {
		ok = op == ">=" ? x + 0 >= g + 0 : op == "==" ? x + 0 == g + 0 : x + 0 <= g + 0
		printf "  %-46s %8.2f   goal %s %-5s %s\n", l, x, op, g, ok ? "met" : "MISSED" }'
}
errors_note() {
	local f n
	for f in "$out"/*.json; do
		n=$(jq '[.. | objects | select(has("errors") and has("mode")) | .errors] | add // 0' "$f")
		((n == 0)) || echo "note: $n failed requests in $(basename "$f" .json) (see its errors_by_kind)"
	done
}

{
	echo "pool.sh: dbkit commit $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')," \
		"$("$bench" --version 2>&1 | head -n 1), server $(sql -e 'SELECT VERSION()')," \
		"$(nproc) CPUs, $(date -u +%FT%TZ)"
	echo "each run: ${dur}s after a ${warm}s warmup; max_connections $maxconn; sandbox $([[ -n $started ]] && echo "started here" || echo "already running");" \
		"load average at start $load0, at end $(cut -d' ' -f1-3 /proc/loadavg)"
	for n in "${notes[@]}"; do echo "note: $n"; done
	errors_note

	echo
	echo "== 1. SELECT 1, 8 clients, pool min=max=8: medians of $rounds rotating rounds"
	printf '%-9s %-12s %10s %9s %9s %7s %11s\n' transport mode req_per_s p50_us p99_us errors conns_opened
	for t in "${transports[@]}"; do
		for m in "${s1_modes[@]}"; do
			printf '%s\t%s\t%s\n' "$t" "$m" "$(s1 "$t" "$m" '[(m(.requests_per_s) | floor), m(.latency_us.p50), m(.latency_us.p99), (map(.errors) | add), (map(.connections_opened) | add)] | @tsv')"
		done
	done | awk -F '\t' '{ printf "%-9s %-12s %10d %9.1f %9.1f %7d %11d\n", $1, $2, $3, $4, $5, $6, $7 }'
	echo "   requests/s ratios in each round, then their median:"
	for t in "${transports[@]}"; do
		for pair in pool/persistent pool-always/persistent connect/persistent pool/connect; do
			printf '   %-9s %-22s %s  median %s\n' "$t" "$pair" \
				"$(ratios "$t" "${pair%/*}" "${pair#*/}" | tr '\n' ' ')" \
				"$(ratios "$t" "${pair%/*}" "${pair#*/}" | median)"
		done
	done

	echo
	echo "== 2. point select by primary key, 8 threads (sanity anchor; reference: sysbench 37.4 k socket, 34.7 k TCP at 250,000 rows)"
	printf '%-9s %-36s %10s %9s %9s %9s\n' transport client req_per_s avg_us p50_us p99_us
	for t in "${transports[@]}"; do
		if [[ -n $have_sysbench ]]; then
			awk -v t="$t" -v q="$(sbfield qps "$t")" -v a="$(sbfield avg "$t")" -v p="$(sbfield p99 "$t")" \
				'BEGIN { printf "%-9s %-36s %10d %9.1f %9s %9.1f\n", t, "sysbench oltp_point_select (4x10k)", q, a * 1000, "-", p * 1000 }'
		fi
		j "[(.requests_per_s | floor), .latency_us.mean, .latency_us.p50, .latency_us.p99] | @tsv" "point-persistent-$t" |
			awk -F '\t' -v t="$t" '{ printf "%-9s %-36s %10d %9.1f %9.1f %9.1f\n", t, "dbpool-bench persistent point (10k)", $1, $2, $3, $4 }'
	done

	echo
	echo "== 3. 64 clients, think 10ms, SELECT 1: pool (max 8) vs persistent (64 connections)"
	echo "   Threads_connected sampled half way through each run (includes the sampling connection; idle baseline $baseline_tc)"
	printf '%-9s %-11s %10s %9s %9s %10s %11s %17s\n' transport mode req_per_s p50_us p99_us peak_open conns_opened Threads_connected
	for t in "${transports[@]}"; do
		for m in pool persistent; do
			j "[(.requests_per_s | floor), .latency_us.p50, .latency_us.p99, (.pool.peak_open // \"-\"), .connections_opened] | @tsv" "think-$m-$t" |
				awk -F '\t' -v t="$t" -v m="$m" -v tc="$(cat "$out/think-$m-$t.tc")" \
					'{ printf "%-9s %-11s %10d %9.1f %9.1f %10s %11d %17s\n", t, m, $1, $2, $3, $4, $5, tc }'
		done
	done

	echo
	echo "== 4. the pool's own cost, uncontended: ns per acquire+release with nothing in between (tests/lib/pooltest micro 200000, 1 connection)"
	printf '%-9s %12s %12s %12s\n' transport changed never always
	for t in "${transports[@]}"; do
		printf '%-9s %12s %12s %12s\n' "$t" "$(micro changed_ns "$t")" "$(micro never_ns "$t")" "$(micro always_ns "$t")"
	done

	echo
	echo "== goals (this run)"
	for t in "${transports[@]}"; do
		goal "$t: pool / persistent requests/s (SELECT 1, 8)" "$(ratios "$t" pool persistent | median)" ">=" 0.95
		echo "  $t: pool --pool-reset always / persistent (informative)    $(ratios "$t" pool-always persistent | median)"
		goal "$t: pool / connect requests/s (SELECT 1, 8)" "$(ratios "$t" pool connect | median)" ">=" 5
		goal "$t: pool peak_open, 64 clients, --pool-max 8" "$(j '.pool.peak_open' "think-pool-$t")" "==" 8
	done
} | tee "$out/summary.txt"
echo
echo "pool.sh: results in ${out#"$top"/}/ (summary.txt, commands.txt, *.json, sysbench-*.txt, micro-*.txt)"

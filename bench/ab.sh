#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# bench/ab.sh OLD [ROUNDS]: this tree's dbbackup and dbrestore against
# another build of them (OLD: the top of another checkout, with
# dbbackup/dbbackup and dbrestore/dbrestore built), to tell a regression
# from the machine's noise. Each round runs, for both builds in an order
# that alternates from round to round: dbbackup --no-compress, dbbackup
# (gzip), and dbrestore of that gzip backup --into a scratch database,
# all with --threads 2, on the sandbox's `bench` database (bench/backup.sh
# builds it; this script starts the sandbox if it is stopped, and fails if
# the database is not there). For each it prints the median wall time of
# each build, the median of the per-round ratios new/old (the two runs of
# a round are seconds apart, so the machine's load weighs on both), and
# the server's CPU (utime + stime of mariadbd, in clock ticks). ROUNDS
# defaults to 9. Nothing is kept: the backups go to a temporary directory.
#
#	git worktree add /tmp/old v0.1.0 && make -C /tmp/old all
#	bench/ab.sh /tmp/old 15

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
old=${1:?usage: bench/ab.sh OLD [ROUNDS]}
rounds=${2:-9}
for b in "$old" "$top"; do
	for p in dbbackup/dbbackup dbrestore/dbrestore; do
		[[ -x $b/$p ]] || { echo "ab.sh: $b/$p: not built" >&2; exit 2; }
	done
done

"$top/scripts/sandbox" start >/dev/null
eval "$("$top/scripts/sandbox" env)"
mdb=(mariadb --no-defaults -uroot -S "$DB_SOCKET")
[[ -n $("${mdb[@]}" -N -e "SHOW DATABASES LIKE 'bench'") ]] ||
	{ echo "ab.sh: no database bench in the sandbox: run bench/backup.sh first" >&2; exit 2; }
pid=$(cat "$top/.sandbox/mysqld.pid")
work=$(mktemp -d "${TMPDIR:-/tmp}/dbkit-ab.XXXXXX")
trap 'rm -rf "$work"; "${mdb[@]}" -e "DROP DATABASE IF EXISTS bench_ab" || true' EXIT
runs=$work/runs.tsv

server_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

# timed BUILD KIND COMMAND...: one run, appended to runs.tsv.
timed() {
	local build=$1 kind=$2 s e c0 c1
	shift 2
	sync
	c0=$(server_ticks)
	s=$(date +%s.%N)
	"$@" >"$work/out" 2>&1 || { echo "ab.sh: failed: $*" >&2; cat "$work/out" >&2; exit 1; }
	e=$(date +%s.%N)
	c1=$(server_ticks)
	printf '%s\t%s\t%s\t%s\n' "$build" "$kind" "$(echo "$e - $s" | bc)" $((c1 - c0)) >>"$runs"
}

for ((r = 1; r <= rounds; r++)); do
	if ((r % 2)); then order="old new"; else order="new old"; fi
	for build in $order; do
		dir=$old
		[[ $build == new ]] && dir=$top
		rm -rf "$work/$build-nc" "$work/$build-gz"
		timed "$build" dump-nocomp "$dir/dbbackup/dbbackup" -d "$work/$build-nc" \
			--no-compress --threads 2 full bench
		timed "$build" dump-gzip "$dir/dbbackup/dbbackup" -d "$work/$build-gz" \
			--threads 2 full bench
		"${mdb[@]}" -e "DROP DATABASE IF EXISTS bench_ab"
		timed "$build" restore "$dir/dbrestore/dbrestore" -d "$work/$build-gz" \
			--threads 2 --database bench --into bench_ab latest
		"${mdb[@]}" -e "DROP DATABASE bench_ab"
	done
	echo "round $r/$rounds done" >&2
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '%-12s %10s %10s %10s %12s %12s\n' kind old_s new_s new/old srv_old srv_new
for kind in dump-nocomp dump-gzip restore; do
	o=$(awk -v k="$kind" '$1 == "old" && $2 == k { print $3 }' "$runs" | median)
	n=$(awk -v k="$kind" '$1 == "new" && $2 == k { print $3 }' "$runs" | median)
	ratio=$(paste <(awk -v k="$kind" '$1 == "old" && $2 == k { print $3 }' "$runs") \
		<(awk -v k="$kind" '$1 == "new" && $2 == k { print $3 }' "$runs") |
		awk '{ print $2 / $1 }' | median)
	so=$(awk -v k="$kind" '$1 == "old" && $2 == k { print $4 }' "$runs" | median)
	sn=$(awk -v k="$kind" '$1 == "new" && $2 == k { print $4 }' "$runs" | median)
	printf '%-12s %10.2f %10.2f %10.3f %12s %12s\n' "$kind" "$o" "$n" "$ratio" "$so" "$sn"
done

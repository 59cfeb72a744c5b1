#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# bench/incremental.sh [--size MB] [--rounds R]: the incremental backup and
# point-in-time replay benchmark (issue 11, "Measured"). dbbackup and
# dbrestore run side by side with the stock tools, on the same binary log
# range of the same server in the same run, and the script prints the
# ratios the issue sets as goals:
#
#   dbbackup incremental / mariadb-binlog --read-from-remote-server --raw
#     --to-last-log (same start file and position)       wall <= 1.10
#   dbbackup incremental output / gzip -6 of the raw files   size <= 1.05
#   dbbackup incremental peak RSS                            < 64 MiB
#   dbrestore replay / mariadb-binlog FILES | mariadb        wall <= 1.05
#
# MB defaults to 300 MB of binary log (the issue says ~1 GB; a third of it
# keeps the run near 10 minutes on a 2-core machine shared with others,
# the replays being most of it), R to 3.
#
# Method:
# - The server is this run's own sandbox (scripts/sandbox): a running
#   sandbox is stopped (it is a throwaway), started again with the settings
#   of bench/backup.sh plus --max-binlog-size=64M (so that the range spans
#   several binlog files, the harder case for both sides; the binary log
#   is on, ROW format, as the sandbox always runs), and stopped at the end.
# - The range: sysbench prepares 4 tables of 10,000 rows in the database
#   bench_inc, RESET MASTER, `dbbackup full bench_inc` (untimed: its
#   snapshot position is where the range starts, and its few MB make the
#   restore of the full small next to the replay), then sysbench
#   oltp_write_only with 4 threads until the binary log has grown by MB.
#   Nothing writes to the server after that until the replays, so every
#   copy covers the same range: from the full's snapshot to the end of the
#   log. CHECKSUM TABLE of the four tables is recorded there (the source).
# - Copy phase, R rounds, the first variant rotating; before each run its
#   previous output is deleted, then `sync; sleep 1` (untimed):
#     dbbackup   `dbbackup incremental`, into the catalogue as it was just
#                after the full (a saved copy is put back before each run,
#                so that every incremental has the full as its parent);
#     raw        mariadb-binlog --read-from-remote-server --raw
#                --to-last-log --start-position=POS FILE, into a directory;
#   and after raw in each round, timed apart, gzip -6 of each raw file
#   (the size the goal compares with; its time is printed for scale).
#   Untimed checks: each file of the incremental, decompressed, equals the
#   raw copy of that file byte for byte, and every incremental holds the
#   same bytes, events and transactions.
# - Replay phase, R rounds, rotating. Before each run, untimed: DROP
#   DATABASE bench_inc, RESET MASTER, sync, InnoDB made to flush its dirty
#   pages (as bench/backup.sh does). Variants:
#     full       `dbrestore FULL`: the full backup alone;
#     chain      `dbrestore INCREMENTAL`: the full, then the replay;
#     peer       `dbrestore FULL` (untimed), then `mariadb-binlog
#                --start-position=POS FILES | mariadb`, FILES being the
#                server's own binlog files of the range (copied aside,
#                untimed, before the first RESET MASTER).
#   dbrestore's replay time is, in each round, chain minus that round's
#   full (the full restore is about a second). Both replays write the
#   binary log, as the server's default is. After chain and peer, CHECKSUM
#   TABLE of the four tables must equal the source's; if not the run is a
#   FAIL, not a number.
# - Wall time is `date +%s.%N` around the command; the main process runs
#   under /usr/bin/time -f %M for its peak RSS. Ratios are medians of the
#   per-round ratios (the runs of a round are adjacent in time; the load of
#   this machine swings more from round to round than between them).
#
# Results go to bench/results/incremental-<time>/: summary.txt (what is
# printed), runs.tsv (one line per run), commands.txt, logs/. The backups
# and copies go to work/ in there, removed at the end unless BENCH_KEEP=1.
# The script exits 1 when a command or a check failed, never because of a
# figure: the goal lines say met or MISSED.

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sandbox=$top/scripts/sandbox

die() {
	printf 'incremental.sh: %s\n' "$*" >&2
	exit 1
}
usage() {
	echo "usage: bench/incremental.sh [--size MB] [--rounds R]"
}

size=300 rounds=3
while (($#)); do
	case $1 in
	--size) size=${2:?--size needs a number}; shift ;;
	--size=*) size=${1#--size=} ;;
	--rounds) rounds=${2:?--rounds needs a number}; shift ;;
	--rounds=*) rounds=${1#--rounds=} ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
[[ $size =~ ^[1-9][0-9]*$ ]] || { echo "incremental.sh: bad size: $size" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "incremental.sh: bad round count: $rounds" >&2; exit 2; }
for tool in mariadb mariadb-binlog sysbench gzip /usr/bin/time; do
	command -v "$tool" >/dev/null || die "$tool not found (scripts/deps --bench)"
done
DBBACKUP=${DBBACKUP:-$top/dbbackup/dbbackup}
DBRESTORE=${DBRESTORE:-$top/dbrestore/dbrestore}
[[ -x $DBBACKUP && -x $DBRESTORE ]] || die "build dbbackup and dbrestore first (make all)"

out=$top/bench/results/incremental-$(date +%Y%m%d-%H%M%S)
W=$out/work
mkdir -p "$W" "$out/logs"
[[ $W != *[[:space:]]* ]] || die "the results path contains white space: $W"

load0=$(cut -d' ' -f1-3 /proc/loadavg)
if "$sandbox" status >/dev/null; then
	echo "incremental.sh: stopping the sandbox, to start it again with the benchmark's settings" >&2
	"$sandbox" stop >/dev/null
fi
cleanup() {
	"$sandbox" stop >/dev/null || true
	[[ -n ${BENCH_KEEP-} ]] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$sandbox" start --innodb-buffer-pool-size=1G --innodb-flush-log-at-trx-commit=2 \
	--innodb-log-file-size=512M --max-allowed-packet=256M --max-binlog-size=64M >/dev/null
eval "$("$sandbox" env)"
SOCK=$DB_SOCKET
[[ $SOCK != *[[:space:]]* ]] || die "the socket path contains white space: $SOCK"
C=(--no-defaults -uroot --socket="$SOCK")
K=(--no-defaults -S "$SOCK" -u root -d "$W/catalog")
DB=bench_inc
TABLES="$DB.sbtest1, $DB.sbtest2, $DB.sbtest3, $DB.sbtest4"
SB=(--db-driver=mysql --mysql-socket="$SOCK" --mysql-user=root --mysql-db="$DB"
	--tables=4 --table-size=10000)

sql() {
	mariadb "${C[@]}" -N -B "$@"
}
# The sum of the binlog files' sizes, bytes.
binlog_bytes() {
	sql -e 'SHOW BINARY LOGS' | awk '{ s += $2 } END { print s + 0 }'
}
# json_field KEY FILE: the value of "KEY": in dbkit's --json output.
json_field() {
	sed -n "s/^ *\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$2" | head -n 1
}
# bytes and flush_dirty
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- the range: a small full backup, then MB of binary log of writes.
sql -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB"
sysbench oltp_write_only "${SB[@]}" prepare >"$out/logs/sysbench-prepare.log"
sql -e 'RESET MASTER'
"$DBBACKUP" "${K[@]}" --json full "$DB" >"$out/logs/full.json"
full=$(json_field id "$out/logs/full.json")
[[ $full == *-full ]] || die "dbbackup full gave no id (see logs/full.json)"
manifest=$W/catalog/$full/manifest.json
start_file=$(json_field binlog_file "$manifest")
start_pos=$(json_field binlog_position "$manifest")
[[ $start_file == mysql-bin.* && $start_pos =~ ^[0-9]+$ ]] || die "no binlog position in $manifest"
cp -a "$W/catalog" "$W/catalog.saved"
echo "incremental.sh: full backup $full at $start_file:$start_pos; sysbench writes until $size MB of binlog" >&2
target=$((size * 1000000)) rate=0 chunk=5
while grown=$(($(binlog_bytes) - start_pos)) && ((grown < target)); do
	# after the first chunk, run about what is left, in chunks of 30 s at most
	if ((rate > 0)); then
		chunk=$(((target - grown) / rate + 1))
		((chunk <= 30)) || chunk=30
	fi
	sysbench oltp_write_only "${SB[@]}" --threads=4 --time="$chunk" run >>"$out/logs/sysbench-run.log"
	((rate > 0)) || rate=$((($(binlog_bytes) - start_pos) / chunk + 1))
done
range_bytes=$(($(binlog_bytes) - start_pos))
read -r end_file end_pos < <(sql -e 'SHOW MASTER STATUS' | cut -f1,2)
source_ck=$(sql -e "CHECKSUM TABLE $TABLES")
nfiles=$(sql -e 'SHOW BINARY LOGS' | wc -l)
echo "incremental.sh: range $start_file:$start_pos to $end_file:$end_pos," \
	"$range_bytes bytes in $nfiles files" >&2
sync
flush_dirty

printf 'phase\tround\tvariant\tstatus\twall_s\tmaxrss_kib\tbytes\n' >"$out/runs.tsv"
declare -A failed=()
# record PHASE ROUND VARIANT STATUS WALL RSS BYTES
record() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$out/runs.tsv"
	[[ $4 == ok ]] || failed[$3]=1
	if [[ $4 == ok ]]; then printf ' %s %.2fs' "$3" "$5" >&2; else printf ' %s FAIL' "$3" >&2; fi
}
# timed LOG CMD...: runs CMD under /usr/bin/time, its output to LOG; sets
# wall (s), rss (KiB) and rc.
timed() {
	local log=$1 t0 t1
	shift
	rc=0
	t0=$(date +%s.%N)
	/usr/bin/time -o "$W/.rss" -f %M "$@" >"$log" 2>"$log.err" || rc=$?
	t1=$(date +%s.%N)
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	rss=$(tail -n 1 "$W/.rss")
	[[ $rss =~ ^[0-9]+$ ]] || rss=-
	if ((rc != 0)); then
		printf '\nincremental.sh: FAIL: %s exited with status %s:\n' "$1" "$rc" >&2
		tail -n 5 "$log.err" | sed 's/^/    /' >&2
	fi
}

# --- copy phase.
inc='' inc_sig=''
copy_dbbackup() {
	local r=$1 log=$out/logs/copy-$1-dbbackup.json status=ok sig
	rm -rf "$W/catalog"
	cp -a "$W/catalog.saved" "$W/catalog"
	sync
	sleep 1
	timed "$log" "$DBBACKUP" "${K[@]}" --json incremental
	((rc == 0)) || status=FAIL
	inc=$(json_field id "$log")
	if [[ $status == ok ]]; then
		sig="$(json_field raw_bytes "$log") bytes, $(json_field events "$log") events, $(json_field transactions "$log") transactions"
		[[ -n $inc_sig ]] || inc_sig=$sig
		if [[ $sig != "$inc_sig" ]]; then
			printf '\nincremental.sh: FAIL: round %s: the incremental holds %s, not %s\n' "$r" "$sig" "$inc_sig" >&2
			status=FAIL
		fi
	fi
	record copy "$r" dbbackup "$status" "$wall" "$rss" "$(bytes "$W/catalog/$inc/binlog")"
}
copy_raw() {
	local r=$1 status=ok f t0 t1
	rm -rf "$W/raw"
	mkdir "$W/raw"
	sync
	sleep 1
	timed "$out/logs/copy-$r-raw.log" mariadb-binlog "${C[@]}" --read-from-remote-server --raw \
		--to-last-log --start-position="$start_pos" --result-file="$W/raw/" "$start_file"
	((rc == 0)) || status=FAIL
	record copy "$r" raw "$status" "$wall" "$rss" "$(bytes "$W/raw")"
	[[ $status == ok ]] || return 0
	t0=$(date +%s.%N)
	for f in "$W"/raw/*; do
		gzip -6 -c "$f" >"$W/gz.$(basename "$f").gz"
	done
	t1=$(date +%s.%N)
	record copy "$r" gzip-6 ok "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" - \
		"$(bytes "$W"/gz.*)"
	rm -f "$W"/gz.*
}
# Untimed, after each round: every file of the incremental is the raw copy.
check_copies() {
	local r=$1 f n=0
	[[ -z ${failed[dbbackup]-} && -z ${failed[raw]-} ]] || return 0
	for f in "$W"/raw/*; do
		n=$((n + 1))
		if ! gzip -dc "$W/catalog/$inc/binlog/$(basename "$f").gz" | cmp -s - "$f"; then
			printf '\nincremental.sh: FAIL: round %s: binlog/%s.gz of %s is not the raw copy\n' \
				"$r" "$(basename "$f")" "$inc" >&2
			failed[dbbackup]=1
		fi
	done
	[[ $(find "$W/catalog/$inc/binlog" -type f | wc -l) == "$n" ]] || {
		printf '\nincremental.sh: FAIL: round %s: %s has not the %s files of the raw copy\n' "$r" "$inc" "$n" >&2
		failed[dbbackup]=1
	}
}
copies=(dbbackup raw)
for ((r = 1; r <= rounds; r++)); do
	printf 'copy round %s/%s:' "$r" "$rounds" >&2
	for ((i = 0; i < ${#copies[@]}; i++)); do
		"copy_${copies[(i + r - 1) % ${#copies[@]}]}" "$r"
	done
	check_copies "$r"
	echo >&2
done
((${#failed[@]} == 0)) || die "the copy failed (see above and logs/); no replay"

# --- replay phase. The peer's files: the server's own, copied aside.
mkdir "$W/server-binlog"
base=$(sql -e 'SELECT @@log_bin_basename')
sql -e 'SHOW BINARY LOGS' | cut -f1 | while read -r f; do cp "$(dirname "$base")/$f" "$W/server-binlog/"; done
peer_files=("$W"/server-binlog/mysql-bin.[0-9]*)
replay_prepare() {
	sql -e "DROP DATABASE IF EXISTS $DB; RESET MASTER"
	if [[ $1 == peer ]]; then
		"$DBRESTORE" "${K[@]}" "$full" >"$out/logs/replay-$2-peer-full.log" 2>&1 ||
			die "round $2: dbrestore $full failed before the peer's replay (see logs/)"
	fi
	sync
	flush_dirty
}
replay_check() {
	local got
	got=$(sql -e "CHECKSUM TABLE $TABLES")
	[[ $got == "$source_ck" ]] && return 0
	printf '\nincremental.sh: FAIL: round %s, %s: the tables differ from the source:\n' "$1" "$2" >&2
	diff <(echo "$source_ck") <(echo "$got") | sed 's/^/    /' >&2 || true
	return 1
}
replay_full() {
	local status=FAIL
	timed "$out/logs/replay-$1-full.log" "$DBRESTORE" "${K[@]}" "$full"
	((rc != 0)) || status=ok
	record replay "$1" full "$status" "$wall" "$rss" -
}
replay_chain() {
	local status=FAIL
	timed "$out/logs/replay-$1-chain.log" "$DBRESTORE" "${K[@]}" "$inc"
	((rc == 0)) && replay_check "$1" chain && status=ok
	record replay "$1" chain "$status" "$wall" "$rss" -
}
replay_peer() {
	local status=FAIL
	# shellcheck disable=SC2016 # expanded by the inner bash
	timed "$out/logs/replay-$1-peer.log" bash -o pipefail -c \
		'mariadb-binlog --no-defaults --start-position="$1" "${@:3}" | mariadb --no-defaults -uroot --socket="$2"' \
		- "$start_pos" "$SOCK" "${peer_files[@]}"
	((rc == 0)) && replay_check "$1" peer && status=ok
	record replay "$1" peer "$status" "$wall" "$rss" -
}
replays=(full chain peer)
for ((r = 1; r <= rounds; r++)); do
	printf 'replay round %s/%s:' "$r" "$rounds" >&2
	for ((i = 0; i < ${#replays[@]}; i++)); do
		v=${replays[(i + r - 1) % ${#replays[@]}]}
		replay_prepare "$v" "$r"
		"replay_$v" "$r"
	done
	echo >&2
done

{
	echo "# POS=$start_pos FILE=$start_file C=\"${C[*]}\" W=$W"
	echo "# untimed: sysbench oltp_write_only ${SB[*]} prepare; RESET MASTER"
	echo "# untimed: $DBBACKUP ${K[*]} --json full $DB   (id $full)"
	echo "# untimed: sysbench oltp_write_only ${SB[*]} --threads=4 --time=T run, until $size MB of binlog"
	echo "dbbackup  $DBBACKUP ${K[*]} --json incremental   (catalogue put back to catalog.saved first)"
	echo "raw       mariadb-binlog ${C[*]} --read-from-remote-server --raw --to-last-log --start-position=\$POS --result-file=\$W/raw/ \$FILE"
	echo "gzip-6    for f in \$W/raw/*; do gzip -6 -c \$f >\$f.gz; done"
	echo "full      $DBRESTORE ${K[*]} $full"
	echo "chain     $DBRESTORE ${K[*]} $inc   (id of the last round's incremental)"
	echo "peer      $DBRESTORE ${K[*]} $full (untimed); mariadb-binlog --no-defaults --start-position=\$POS \$W/server-binlog/mysql-bin.* | mariadb ${C[*]}"
} >"$out/commands.txt"

# --- the summary.
{
	echo "incremental.sh: dbkit commit $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')," \
		"server $(sql -e 'SELECT VERSION()'), $(nproc) CPUs, $(date -u +%FT%TZ)"
	echo "peers: $(mariadb-binlog --version | awk '{ print $1, $2, $3 }'), gzip $(gzip --version | awk 'NR == 1 { print $2 }');" \
		"load average at start $load0, at end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "range: $start_file:$start_pos to $end_file:$end_pos, $range_bytes bytes of binlog (--size $size MB)" \
		"in $nfiles files (max_binlog_size 64M), ROW format: $inc_sig;"
	echo "  sysbench oltp_write_only, 4 tables of 10,000 rows, 4 threads; $rounds rounds per phase, order rotated"
	echo "source CHECKSUM TABLE, equal after every replay of both sides:"
	awk '{ print "  " $0 }' <<<"$source_ck"
	awk -F '\t' -v rounds="$rounds" '
		function median(s,   n, i, j, t, a) {
			n = split(s, a, " ")
			for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		function range(s,   n, i, a, lo, hi) {
			n = split(s, a, " "); lo = hi = a[1]
			for (i = 2; i <= n; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
			return sprintf("%.2f-%.2f", lo, hi)
		}
		function row(label, v) {
			if (!(v in walls)) { printf "%-44s %9s\n", label, "FAIL"; return }
			printf "%-44s %9.2f %12s %8s", label, median(walls[v]), range(walls[v]), rss[v] ? sprintf("%.1f", rss[v] / 1024) : "-"
			if (v in size) printf " %10.1f", median(size[v]) / 1e6
			printf "\n"
		}
		# the median over the rounds of a[v1, r] / a[v2, r]
		function ratio(a, v1, v2,   r, s) {
			for (r = 1; r <= rounds; r++) if ((v1, r) in a && (v2, r) in a && a[v2, r] > 0) s = s " " a[v1, r] / a[v2, r]
			return s == "" ? "" : median(s)
		}
		function goal(label, x, cmp, g) {
			if (x == "") { printf "  %-52s %7s\n", label, "n/a"; return }
			printf "  %-52s %7.2f   goal %s %-5.2f %s\n", label, x, cmp, g, (cmp == "<=" ? x <= g : x < g) ? "met" : "MISSED"
		}
		NR == 1 { next }
		$4 != "ok" { next }
		{
			v = $3; r = $2
			walls[v] = walls[v] " " $5; wall[v, r] = $5
			if ($6 ~ /^[0-9]+$/ && $6 > rss[v]) rss[v] = $6
			if ($7 ~ /^[0-9]+$/) { size[v] = size[v] " " $7; bytes[v, r] = $7 }
		}
		END {
			for (r = 1; r <= rounds; r++)
				if (("chain", r) in wall && ("full", r) in wall) {
					wall["replay", r] = wall["chain", r] - wall["full", r]
					walls["replay"] = walls["replay"] " " wall["replay", r]
				}
			printf "\n== copy of the range (median and min-max of %d rounds)\n", rounds
			printf "%-44s %9s %12s %8s %10s\n", "variant", "median_s", "min-max", "rss_MiB", "output_MB"
			row("dbbackup incremental", "dbbackup")
			row("mariadb-binlog --raw --to-last-log", "raw")
			row("gzip -6 of the raw files (after raw)", "gzip-6")
			printf "\n== replay of the range (each checked: CHECKSUM TABLE = source)\n"
			printf "%-44s %9s %12s %8s\n", "variant", "median_s", "min-max", "rss_MiB"
			row("dbrestore FULL (the full backup alone)", "full")
			row("dbrestore INCREMENTAL (full, then replay)", "chain")
			row("  its replay (INCREMENTAL - FULL, per round)", "replay")
			row("mariadb-binlog FILES | mariadb", "peer")
			printf "\n== goals (medians of the per-round ratios)\n"
			goal("dbbackup incremental / mariadb-binlog --raw, wall", ratio(wall, "dbbackup", "raw"), "<=", 1.1)
			goal("dbbackup incremental / gzip -6 of the raw, size", ratio(bytes, "dbbackup", "gzip-6"), "<=", 1.05)
			if (rss["dbbackup"]) goal("dbbackup incremental peak RSS, MiB", rss["dbbackup"] / 1024, "<", 64)
			else goal("dbbackup incremental peak RSS, MiB", "", "<", 64)
			goal("dbrestore replay / mariadb-binlog | mariadb, wall", ratio(wall, "replay", "peer"), "<=", 1.05)
			if ("dbbackup" in walls && "gzip-6" in walls)
				printf "  (for scale: dbbackup / (raw + gzip -6), medians, wall: %.2f)\n",
					median(walls["dbbackup"]) / (median(walls["raw"]) + median(walls["gzip-6"]))
		}' "$out/runs.tsv"
} | tee "$out/summary.txt"
echo
echo "incremental.sh: results in ${out#"$top"/}/ (summary.txt, runs.tsv, commands.txt, logs/)"
((${#failed[@]} == 0)) || die "failed: ${!failed[*]} (see above and logs/)"

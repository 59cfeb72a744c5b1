#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# bench/backup.sh [--threads N] [--rounds R] [--scale S]: the backup and
# restore benchmark (issue 3). dbbackup and dbrestore run side by side with
# their peers, on the same server in the same run, and the script prints
# the ratios the issue sets as goals:
#
#   dbbackup (compressed) / mydumper -c      wall <= 0.40, size <= 1.05
#   dbbackup --no-compress / mydumper        wall <= 1.10
#   dbrestore / myloader -e                  wall <= 0.60
#   dbrestore / mariadb-import (LOAD DATA)   wall <= 1.10
#   dbbackup peak RSS                        < 64 MiB
#   dbbackup --compress=zstd / gzip          wall, size, restore wall
#                                            (issue 12: zstd becomes the
#                                            default only if all three < 1)
#   dbbackup --compress=zstd / mydumper -c   wall <= 0.25, size <= 1.0
#   dbbackup --encrypt (one age recipient) / dbbackup      wall <= 1.10
#   dbrestore of it (--identity) / dbrestore          wall <= 1.10
#
# N defaults to the number of CPUs, R to 3, S to 1 (the dataset of
# the reference figures: sysbench 4 x 250,000 rows plus 200,000 rows of mixed
# types, ~340 MB of SQL; --scale 0.1 builds a tenth of it, which shows
# whether memory stays flat). A variant whose program is not built
# (dbbackup/dbbackup, dbrestore/dbrestore, or $DBBACKUP and $DBRESTORE when
# set) is skipped with a note.
#
# Method (as the reference figures of the peers were taken):
# - The server is this run's own sandbox (scripts/sandbox): a running
#   sandbox is stopped (it is a throwaway), started again with the settings
#   of the reference runs that matter (1G buffer pool, flush_log_at_trx_commit
#   2, 512M redo log, binlog on, ...) and stopped at the end. The database
#   `bench` is left in it. bench/dataset.sh builds the data and records its
#   row counts and checksums.
# - Each round runs every variant of a phase once; the first variant
#   rotates from round to round. Dumps run first, against a warm buffer
#   pool: before each one its previous output is deleted, then `sync;
#   sleep 1` (untimed). Restores read the last output of the dumps (and a
#   `mariadb-dump --tab` made once, untimed, for mariadb-import). Before
#   each restore, untimed: DROP DATABASE bench and CREATE DATABASE bench
#   (only the DROP for dbrestore, which creates it), RESET MASTER, sync, and
#   InnoDB is made to flush its dirty pages (innodb_max_dirty_pages_pct=0
#   and a high io_capacity until fewer than 200 remain, then the settings
#   are put back), so that no restore pays for the previous one's pages.
#   Every restore writes the binlog: dbrestore by default, myloader because
#   of -e, mariadb-import because LOAD DATA is logged.
# - After each restore, untimed, COUNT(*) and CHECKSUM TABLE of the five
#   tables must equal the dataset's; if not, the run is a FAIL, never a
#   number, and the variant is not run again. A command that exits non-zero
#   is a FAIL too. The script exits 1 when anything failed.
# - Wall time is `date +%s.%N` around the whole pipeline. Each process runs
#   under /usr/bin/time -f '%e %U %S %M': its own wall time, user and system
#   CPU, and peak RSS. Server CPU is the utime+stime delta of mariadbd in
#   /proc/<pid>/stat. Tables give the median and min-max of the wall time,
#   medians of the CPU times, output and binlog sizes, and the highest peak
#   RSS of any process of the variant over all rounds.
#
# Results go to bench/results/backup-<time>/: runs.tsv (one line per run),
# summary.txt (what is printed), commands.txt (the exact commands),
# dataset.tsv/.txt, logs/ (each run's output). The dumps are written to
# work/ in there (on this machine they stay in the page cache), which is
# removed at the end unless BENCH_KEEP=1. The client and the server share
# the same CPUs and the machine is noisy: compare the ratios of one run.

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sandbox=$top/scripts/sandbox

die() {
	printf 'backup.sh: %s\n' "$*" >&2
	exit 1
}
usage() {
	echo "usage: bench/backup.sh [--threads N] [--rounds R] [--scale S]"
}

threads=$(nproc) rounds=3 scale=1
while (($#)); do
	case $1 in
	--threads) threads=${2:?--threads needs a number}; shift ;;
	--threads=*) threads=${1#--threads=} ;;
	--rounds) rounds=${2:?--rounds needs a number}; shift ;;
	--rounds=*) rounds=${1#--rounds=} ;;
	--scale) scale=${2:?--scale needs a number}; shift ;;
	--scale=*) scale=${1#--scale=} ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
[[ $threads =~ ^[1-9][0-9]*$ ]] || { echo "backup.sh: bad thread count: $threads" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "backup.sh: bad round count: $rounds" >&2; exit 2; }
if ! [[ $scale =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] || ! awk -v s="$scale" 'BEGIN { exit !(s > 0) }'; then
	echo "backup.sh: bad scale: $scale" >&2
	exit 2
fi
for tool in mariadb mariadb-dump mariadb-import mydumper myloader sysbench gzip /usr/bin/time; do
	command -v "$tool" >/dev/null || die "$tool not found (scripts/deps --bench)"
done

out=$top/bench/results/backup-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out/work" "$out/logs"

# The variables the commands below use, by name, when they are eval'd.
# shellcheck disable=SC2034
{
	W=$out/work                       # outputs of the dumps
	N=$threads                        # threads of every tool
	DBBACKUP=${DBBACKUP:-$top/dbbackup/dbbackup}      # or another build of them
	DBRESTORE=${DBRESTORE:-$top/dbrestore/dbrestore}
}
[[ $W != *[[:space:]]* ]] || die "the results path contains white space: $W"

server_args=(
	--innodb-buffer-pool-size=1G --innodb-flush-log-at-trx-commit=2
	--innodb-log-file-size=512M --max-connections=500 --max-allowed-packet=256M
	--local-infile=1
	# for mariadb-dump --tab (SELECT ... INTO OUTFILE) into work/
	--secure-file-priv="$W"
	# TIMESTAMPs of --tab files are UTC; mariadb-import loads them as-is
	--default-time-zone=+00:00
)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
if "$sandbox" status >/dev/null; then
	echo "backup.sh: stopping the sandbox, to start it again with the benchmark's settings" >&2
	"$sandbox" stop >/dev/null
fi
cleanup() {
	"$sandbox" stop >/dev/null || true
	[[ -n ${BENCH_KEEP-} ]] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$sandbox" start "${server_args[@]}" >/dev/null
eval "$("$sandbox" env)"
SOCK=$DB_SOCKET
[[ $SOCK != *[[:space:]]* ]] || die "the socket path contains white space: $SOCK"
# shellcheck disable=SC2034
C="--no-defaults -uroot --socket=$SOCK"   # the stock clients' connection options
mpid=$(cat "$top/.sandbox/mysqld.pid")
[[ $(cat "/proc/$mpid/comm") == mariadbd ]] || die "no mariadbd at pid $mpid"
hz=$(getconf CLK_TCK)

sql() {
	mariadb --no-defaults -uroot --socket="$SOCK" -N -B "$@"
}
server_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$mpid/stat"
}
# bytes and flush_dirty
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The variants. In a command, {T} marks a process that is timed on its own
# (it becomes `T k`, /usr/bin/time writing to its own file).
# shellcheck disable=SC2016
declare -A cmd=(
	[dbbackup]='{T} "$DBBACKUP" --no-defaults -S "$SOCK" -u root --backup-path "$W/dbbackup" --threads $N --json full bench >"$W/dbbackup.json"'
	[dbbackup-nocomp]='{T} "$DBBACKUP" --no-defaults -S "$SOCK" -u root --backup-path "$W/dbbackup-nocomp" --threads $N --no-compress --json full bench >"$W/dbbackup-nocomp.json"'
	[dbbackup-zstd]='{T} "$DBBACKUP" --no-defaults -S "$SOCK" -u root --backup-path "$W/dbbackup-zstd" --threads $N --compress=zstd --json full bench >"$W/dbbackup-zstd.json"'
	[dbbackup-age]='{T} "$DBBACKUP" --no-defaults -S "$SOCK" -u root --backup-path "$W/dbbackup-age" --threads $N --encrypt --recipients-file "$W/key.pub" --json full bench >"$W/dbbackup-age.json"'
	[mydumper-c]='{T} mydumper -S "$SOCK" -u root -B bench -t $N -c -o "$W/mydumper-c"'
	[mydumper]='{T} mydumper -S "$SOCK" -u root -B bench -t $N -o "$W/mydumper"'
	[mariadb-dump-gzip]='{T} mariadb-dump $C --single-transaction --quick bench | {T} gzip -6 >"$W/f.sql.gz"'
	[dbrestore]='{T} "$DBRESTORE" --no-defaults -S "$SOCK" -u root --backup-path "$W/dbbackup" --threads $N latest'
	[dbrestore-zstd]='{T} "$DBRESTORE" --no-defaults -S "$SOCK" -u root --backup-path "$W/dbbackup-zstd" --threads $N latest'
	[dbrestore-age]='{T} "$DBRESTORE" --no-defaults -S "$SOCK" -u root --backup-path "$W/dbbackup-age" --threads $N --identity "$W/key.txt" latest'
	[myloader-e]='{T} myloader -S "$SOCK" -u root -t $N -o -e -d "$W/mydumper-c"'
	[mariadb-import]='cat "$W"/tab/*.sql | {T} mariadb $C bench && {T} mariadb-import $C --local --use-threads=$N bench "$W"/tab/*.txt'
)
# What each dump writes (deleted before it runs; its size is the output).
declare -A output=(
	[dbbackup]=$W/dbbackup [dbbackup-nocomp]=$W/dbbackup-nocomp [dbbackup-zstd]=$W/dbbackup-zstd
	[dbbackup-age]=$W/dbbackup-age
	[mydumper-c]=$W/mydumper-c
	[mydumper]=$W/mydumper [mariadb-dump-gzip]=$W/f.sql.gz
)
dumps=(dbbackup dbbackup-nocomp dbbackup-zstd dbbackup-age mydumper-c mydumper mariadb-dump-gzip)
restores=(dbrestore dbrestore-zstd dbrestore-age myloader-e mariadb-import)
declare -A failed=()
notes=()

# T k PROGRAM ARG...: run PROGRAM under /usr/bin/time into $tdir/k.
tdir=$out/work/.time
T() {
	local k=$1
	shift
	/usr/bin/time -o "$tdir/$k" -f '%e %U %S %M' "$@"
}

# run PHASE ROUND VARIANT: one timed run; appends a line to runs.tsv.
run() {
	local phase=$1 round=$2 v=$3 c=${cmd[$3]} k=0 rc=0 status=ok
	local t0 t1 s0 s1 wall log procs='' name outbytes=- binlog=- line
	local -a names=()
	while [[ $c == *'{T}'* ]]; do
		k=$((k + 1))
		name=${c#*'{T}' }
		name=${name%% *}
		name=${name//\"/}
		name=${name#\$}
		names+=("${name,,}")
		c=${c/'{T}'/T $k}
	done
	rm -rf "$tdir"
	mkdir -p "$tdir"
	log=$out/logs/$phase-$round-$v.log
	s0=$(server_ticks)
	t0=$(date +%s.%N)
	eval "$c" >"$log" 2>&1 || rc=$?
	t1=$(date +%s.%N)
	s1=$(server_ticks)
	for ((k = 1; k <= ${#names[@]}; k++)); do
		line=$(tail -n 1 "$tdir/$k" 2>/dev/null) || line='- - - -'
		[[ $line =~ ^[0-9.]+\ [0-9.]+\ [0-9.]+\ [0-9]+$ ]] || line='- - - -'
		procs+="${procs:+;}${names[k - 1]} $line"
	done
	if ((rc != 0)); then
		status=FAIL
		printf '\nbackup.sh: FAIL: %s (round %s) exited with status %s:\n' "$v" "$round" "$rc" >&2
		tail -n 5 "$log" | sed 's/^/    /' >&2
	elif [[ $phase == dump ]]; then
		outbytes=$(bytes "${output[$v]}")
	else
		binlog=$(sql -e 'SHOW BINARY LOGS' | awk '{ s += $2 } END { print s + 0 }')
		if ! "$top/bench/dataset.sh" --state >"$out/logs/$phase-$round-$v.state" 2>&1 ||
			! cmp -s "$out/dataset.tsv" "$out/logs/$phase-$round-$v.state"; then
			status=FAIL
			printf '\nbackup.sh: FAIL: %s (round %s): the restored data differs from the dataset:\n' "$v" "$round" >&2
			diff "$out/dataset.tsv" "$out/logs/$phase-$round-$v.state" | sed 's/^/    /' >&2 || true
		fi
	fi
	[[ $status == ok ]] || failed[$v]=1
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	printf '%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t%s\n' "$phase" "$round" "$v" "$status" "$wall" \
		"$(awk -v a="$s0" -v b="$s1" -v hz="$hz" 'BEGIN { print (b - a) / hz }')" \
		"$outbytes" "$binlog" "$procs" >>"$out/runs.tsv"
	if [[ $status == ok ]]; then printf ' %s %.2fs' "$v" "$wall" >&2; else printf ' %s FAIL' "$v" >&2; fi
}

prepare_dump() {
	local path=${output[$1]}
	rm -rf "$path" "$path.json"
	[[ $1 != dbbackup* ]] || mkdir -p "$path"
	sync
	sleep 1
}

prepare_restore() {
	if [[ $1 == dbrestore* ]]; then
		sql -e 'DROP DATABASE IF EXISTS bench'
	else
		sql -e 'DROP DATABASE IF EXISTS bench; CREATE DATABASE bench'
	fi
	sql -e 'RESET MASTER'
	sync
	flush_dirty
}

# Drop the variants that cannot run, with a note why.
available() {
	local v
	for v in "$@"; do
		case $v in
		dbbackup*) [[ -x $DBBACKUP ]] || { notes+=("$v: skipped, ${DBBACKUP#"$top"/} is not built"); continue; } ;;
		dbrestore*)
			[[ -x $DBRESTORE ]] || { notes+=("$v: skipped, ${DBRESTORE#"$top"/} is not built"); continue; }
			local from=dbbackup${v#dbrestore}
			[[ -x $DBBACKUP && -z ${failed[$from]-} ]] || { notes+=("$v: skipped, no good $from output to restore"); continue; }
			;;
		myloader-e) [[ -z ${failed[mydumper-c]-} ]] || { notes+=("$v: skipped, mydumper -c failed"); continue; } ;;
		esac
		printf '%s\n' "$v"
	done
}

# phase NAME VARIANT...: R rounds, the first variant rotating.
phase() {
	local name=$1 r i n v
	shift
	local -a vs=("$@")
	n=${#vs[@]}
	for ((r = 1; r <= rounds; r++)); do
		printf '%s round %s/%s:' "$name" "$r" "$rounds" >&2
		for ((i = 0; i < n; i++)); do
			v=${vs[(i + r - 1) % n]}
			if [[ -n ${failed[$v]-} ]]; then
				printf ' %s skipped' "$v" >&2
				continue
			fi
			"prepare_$name" "$v"
			run "$name" "$r" "$v"
		done
		echo >&2
	done
}

# --- the dataset, and the untimed --tab dump for mariadb-import.
"$top/bench/dataset.sh" --scale "$scale" --out "$out" >/dev/null
echo "backup.sh: dataset built ($(awk -F '\t' '{ r += $2 } END { print r }' "$out/dataset.tsv") rows); mariadb-dump --tab (untimed)" >&2
mkdir -p "$W/tab"
# The key pair of the encrypted variants (untimed).
[[ ! -x $DBBACKUP ]] || "$DBBACKUP" keygen "$W/key.txt" >"$W/key.pub"
# shellcheck disable=SC2086
mariadb-dump $C --single-transaction --tab="$W/tab" bench
sql -e 'RESET MASTER'
sync
flush_dirty

{
	printf '# variables: SOCK=%s W=%s N=%s C="%s"\n' "$SOCK" "$W" "$N" "$C"
	printf '#            DBBACKUP=%s DBRESTORE=%s\n' "$DBBACKUP" "$DBRESTORE"
	echo "# untimed, once: mariadb-dump \$C --single-transaction --tab=\"\$W/tab\" bench"
	for v in "${dumps[@]}" "${restores[@]}"; do
		printf '%-18s %s\n' "$v" "${cmd[$v]//'{T} '/}"
	done
} >"$out/commands.txt"
printf 'phase\tround\tvariant\tstatus\twall_s\tserver_cpu_s\toutput_bytes\tbinlog_bytes\tprocesses (name wall_s user_s sys_s maxrss_kib; ...)\n' >"$out/runs.tsv"

mapfile -t vs < <(available "${dumps[@]}")
phase dump "${vs[@]}"
mapfile -t vs < <(available "${restores[@]}")
phase restore "${vs[@]}"
# available ran in a subshell: collect its notes again, once.
notes=()
available "${dumps[@]}" "${restores[@]}" >/dev/null

# --- the summary.
{
	echo "backup.sh: dbkit commit $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')," \
		"server $(sql -e 'SELECT VERSION()'), $(nproc) CPUs, $(date -u +%FT%TZ)"
	echo "peers: $(mydumper --version | cut -d, -f1), $(mariadb-dump --version | awk '{ print $1, $5 }' | tr -d ,)," \
		"gzip $(gzip --version | awk 'NR == 1 { print $2 }'); load average at start $load0, at end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "dataset: scale $scale, $(awk -F '\t' '{ r += $2 } END { print r }' "$out/dataset.tsv") rows;" \
		"$rounds rounds per phase, $threads threads per tool, order rotated"
	echo "binlog: ON for every restore (dbrestore by default, myloader -e, mariadb-import's LOAD DATA)"
	for note in "${notes[@]}"; do echo "note: $note"; done
	awk -F '\t' -v order="${dumps[*]} ${restores[*]}" '
		function median(s, n,   i, j, t, a) {
			n = split(s, a, " ")
			for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		function lo(s,   n, i, a, m) { n = split(s, a, " "); m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 < m + 0) m = a[i]; return m }
		function hi(s,   n, i, a, m) { n = split(s, a, " "); m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 > m + 0) m = a[i]; return m }
		function table(ph,   i, v, o) {
			if (ph == "dump")
				printf "\n== dump\n%-18s %9s %13s %8s %8s %8s %10s\n", "variant", "median_s", "min-max", "srv_cpu", "cli_cpu", "rss_MiB", "output_MB"
			else
				printf "\n== restore (then verified: COUNT(*) and CHECKSUM TABLE of 5 tables)\n%-18s %9s %13s %8s %8s %8s %10s\n", "variant", "median_s", "min-max", "srv_cpu", "cli_cpu", "rss_MiB", "binlog_MB"
			for (i = 1; i <= nv; i++) {
				v = vo[i]
				if (phase[v] != ph) continue
				if (fail[v]) { printf "%-18s FAIL (%d of %d runs ok): no figures, see logs/\n", v, ok[v], ok[v] + fail[v]; continue }
				o = ph == "dump" ? med[v, "out"] : med[v, "binlog"]
				printf "%-18s %9.2f %13s %8.2f %8.2f %8.1f %10.1f\n", v, med[v, "wall"],
					sprintf("%.2f-%.2f", lo(wall[v]), hi(wall[v])), med[v, "srv"], med[v, "cli"], rss[v] / 1024, o / 1e6
			}
		}
		function ratio(label, a, b, what, goal, cmp,   x) {
			if (!((a, what) in med) || !((b, what) in med) || fail[a] || fail[b]) { printf "  %-44s %7s\n", label, "n/a"; return }
			x = med[a, what] / med[b, what]
			printf "  %-44s %7.2f   goal %s %-5.2f %s\n", label, x, cmp, goal, (cmp == "<=" ? x <= goal : x < goal) ? "met" : "MISSED"
		}
		BEGIN { nv = split(order, vo, " ") }
		NR == 1 { next }
		{
			v = $3; phase[v] = $1
			if ($4 != "ok") { fail[v]++; next }
			ok[v]++; wall[v] = wall[v] " " $5; srv[v] = srv[v] " " $6; out[v] = out[v] " " $7; binlog[v] = binlog[v] " " $8
			np = split($9, p, ";"); c = 0
			for (i = 1; i <= np; i++) {
				split(p[i], f, " ")
				c += f[3] + f[4]; if (f[5] + 0 > rss[v]) rss[v] = f[5] + 0
				pk = v SUBSEP f[1]; if (!(pk in pwall)) pord[v] = pord[v] " " f[1]
				pwall[pk] = pwall[pk] " " f[2]; pcpu[pk] = pcpu[pk] " " f[3] + f[4]; if (f[5] + 0 > prss[pk]) prss[pk] = f[5] + 0
			}
			cli[v] = cli[v] " " c
		}
		END {
			for (v in ok) {
				med[v, "wall"] = median(wall[v]); med[v, "srv"] = median(srv[v]); med[v, "cli"] = median(cli[v])
				med[v, "out"] = median(out[v]); med[v, "binlog"] = median(binlog[v]); med[v, "rss"] = rss[v] / 1024
			}
			table("dump"); table("restore")
			printf "\n== by process (median wall s, median user+sys CPU s, highest peak RSS MiB)\n"
			for (i = 1; i <= nv; i++) {
				v = vo[i]
				if (!(v in ok) || fail[v]) continue
				np = split(pord[v], p, " ")
				for (j = 1; j <= np; j++)
					printf "%-18s %-15s %7.2f %7.2f %7.1f\n", v, p[j], median(pwall[v, p[j]]), median(pcpu[v, p[j]]), prss[v, p[j]] / 1024
			}
			printf "\n== ratios (medians of this run)\n"
			ratio("dbbackup / mydumper -c, wall", "dbbackup", "mydumper-c", "wall", 0.4, "<=")
			ratio("dbbackup / mydumper -c, output size", "dbbackup", "mydumper-c", "out", 1.05, "<=")
			ratio("dbbackup --no-compress / mydumper, wall", "dbbackup-nocomp", "mydumper", "wall", 1.1, "<=")
			ratio("dbrestore / myloader -e, wall", "dbrestore", "myloader-e", "wall", 0.6, "<=")
			ratio("dbrestore / mariadb-import, wall", "dbrestore", "mariadb-import", "wall", 1.1, "<=")
			ratio("dbbackup zstd / gzip, wall", "dbbackup-zstd", "dbbackup", "wall", 1.0, "<")
			ratio("dbbackup zstd / gzip, output size", "dbbackup-zstd", "dbbackup", "out", 1.0, "<")
			ratio("dbrestore zstd / gzip, wall", "dbrestore-zstd", "dbrestore", "wall", 1.0, "<")
			ratio("dbbackup zstd / mydumper -c, wall", "dbbackup-zstd", "mydumper-c", "wall", 0.25, "<=")
			ratio("dbbackup zstd / mydumper -c, output size", "dbbackup-zstd", "mydumper-c", "out", 1.0, "<=")
			ratio("dbbackup encrypted / not, wall", "dbbackup-age", "dbbackup", "wall", 1.1, "<=")
			ratio("dbrestore encrypted / not, wall", "dbrestore-age", "dbrestore", "wall", 1.1, "<=")
			m = -1
			for (v in ok) if (v ~ /^dbbackup/ && !fail[v] && rss[v] / 1024 > m) m = rss[v] / 1024
			if (m < 0) printf "  %-44s %7s\n", "dbbackup peak RSS, MiB", "n/a"
			else printf "  %-44s %7.1f   goal <  64    %s\n", "dbbackup peak RSS, MiB", m, m < 64 ? "met" : "MISSED"
		}' "$out/runs.tsv"
} | tee "$out/summary.txt"
cp -p "$W"/dbbackup*.json "$out/" 2>/dev/null || true
echo
echo "backup.sh: results in ${out#"$top"/}/ (summary.txt, runs.tsv, commands.txt, dataset.txt, logs/)"
((${#failed[@]} == 0)) || die "failed: ${!failed[*]} (see above and logs/)"

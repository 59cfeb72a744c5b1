#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# bench/archive.sh [--threads N] [--rounds R] [--scale S]: the one-file
# backup benchmark (issue 13, "Measured"). dbbackup's tar streams run side
# by side with what they replace, on the same server in the same run, and
# the script prints the ratios the issue sets as goals:
#
#   dbbackup full --archive - >FILE / dbbackup full (catalogue)   wall <= 1.05
#   dbbackup full --archive - peak RSS (--threads 2)             <= 128 MiB
#   dbbackup export ID | dbbackup import - speed /
#     tar -cf - ID | tar -xf - speed (the same directory)         >= 0.80
#     (that is, a wall ratio <= 1.25)
#
# and beside them, for the record, `--archive FILE` (the same goals), the
# archive's size next to the catalogue entry's, and whether --archive's
# memory stays flat: the same backups of a tenth of the data (scale S/10).
#
# N defaults to 2 (the goal's thread count), R to 3, S to 1 (the dataset
# of bench/backup.sh: sysbench 4 x 250,000 rows plus 200,000 rows of mixed
# types, ~125 MB as a gzip'd backup). The archive variants need a dbbackup
# with --archive, export and import; with an older build they are skipped
# with a note, as is everything when dbbackup/dbbackup or
# dbrestore/dbrestore ($DBBACKUP, $DBRESTORE when set) is not built.
#
# Method (that of bench/backup.sh):
# - The server is this run's own sandbox (scripts/sandbox): a running
#   sandbox is stopped (it is a throwaway), started again with the
#   settings of bench/backup.sh (1G buffer pool, ...) and stopped at the
#   end. bench/dataset.sh builds the database `bench`.
# - Each round runs every variant of a phase once; the first variant
#   rotates from round to round. Ratios are medians of the per-round
#   ratios (the runs of a round are adjacent in time; the load of this
#   machine swings more from round to round than between them), printed
#   with their min-max; beside the wall ratios, for the record, the same
#   of the client's CPU time (user+sys), which the load moves less.
# - Backup phase, against a warm buffer pool. Before each run, untimed:
#   its previous output is deleted, its catalogue made empty, `sync;
#   sleep 1`. Variants:
#     catalog         dbbackup full into a catalogue;
#     archive-stdout  dbbackup full --archive - >FILE (its spool, and the
#                     lock, in an empty catalogue of its own);
#     archive-file    dbbackup full --archive FILE (the same).
#   After each run, untimed: the catalogue entry passes `dbrestore
#   --verify`; an archive leaves no backup, spool or FILE.partial behind,
#   GNU tar lists it, and `dbbackup import` of it into a scratch catalogue
#   gives a backup that passes `dbrestore --verify`.
# - Copy phase: one backup taken once (untimed) into the catalogue src/,
#   copied into the empty catalogue dst/. Before each run, untimed: dst/
#   emptied, `sync; sleep 1`. Variants:
#     export-import   dbbackup -d src export ID | dbbackup -d dst import -
#     tar-tar         tar -C src -cf - ID | tar -C dst -xf -
#     tar-tar-sync    the same, then `sync` of every file and directory
#                     under dst/ (coreutils sync FILE: fsync), for the
#                     record: import makes each file durable before it
#                     calls the backup imported; tar -x never syncs
#   The goal compares with tar-tar, as the issue says. After each run,
#   untimed: dst/ID passes `dbrestore -d dst --verify ID`,
#   equals src/ID file for file (diff -r), and nothing .partial is left.
# - Small phase: bench rebuilt at scale S/10 (untimed), then catalog and
#   archive-stdout again, with the same checks: the peak RSS of --archive
#   beside the one at scale S says whether memory grows with the data.
# - A command that exits non-zero or a failed check is a FAIL, never a
#   number, and the variant is not run again; the script exits 1 when
#   anything failed, never because of a figure (the goal lines say met or
#   MISSED).
# - Wall time is `date +%s.%N` around the whole pipeline. Each process
#   runs under /usr/bin/time -f '%e %U %S %M': its own wall time, user and
#   system CPU, and peak RSS. Server CPU is the utime+stime delta of
#   mariadbd in /proc/<pid>/stat. Tables give the median and min-max of
#   the wall time, medians of the CPU times and output sizes, and the
#   highest peak RSS of any process of the variant over all rounds.
#
# Results go to bench/results/archive-<time>/: runs.tsv (one line per
# run), summary.txt (what is printed), commands.txt (the exact commands),
# dataset.tsv/.txt (small/ for the small phase), logs/ (each run's output
# and checks). Backups and archives are written to work/ in there (on this
# machine they stay in the page cache), which is removed at the end unless
# BENCH_KEEP=1. The client and the server share the same CPUs and the
# machine is noisy: compare the ratios of one run.

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sandbox=$top/scripts/sandbox

die() {
	printf 'archive.sh: %s\n' "$*" >&2
	exit 1
}
usage() {
	echo "usage: bench/archive.sh [--threads N] [--rounds R] [--scale S]"
}

threads=2 rounds=3 scale=1
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
[[ $threads =~ ^[1-9][0-9]*$ ]] || { echo "archive.sh: bad thread count: $threads" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "archive.sh: bad round count: $rounds" >&2; exit 2; }
if ! [[ $scale =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] || ! awk -v s="$scale" 'BEGIN { exit !(s > 0) }'; then
	echo "archive.sh: bad scale: $scale" >&2
	exit 2
fi
small=$(awk -v s="$scale" 'BEGIN { print s / 10 }')
for tool in mariadb sysbench tar /usr/bin/time; do
	command -v "$tool" >/dev/null || die "$tool not found (scripts/deps --bench)"
done

out=$top/bench/results/archive-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out/work" "$out/logs"

# The variables the commands below use, by name, when they are eval'd.
# shellcheck disable=SC2034
{
	W=$out/work                       # catalogues and archives
	N=$threads                        # dbbackup --threads
	ID=''                             # the copy phase's backup (set below)
	DBBACKUP=${DBBACKUP:-$top/dbbackup/dbbackup}      # or another build of them
	DBRESTORE=${DBRESTORE:-$top/dbrestore/dbrestore}
}
[[ $W != *[[:space:]]* ]] || die "the results path contains white space: $W"
[[ -x $DBBACKUP && -x $DBRESTORE ]] || die "build dbbackup and dbrestore first (make all)"

load0=$(cut -d' ' -f1-3 /proc/loadavg)
if "$sandbox" status >/dev/null; then
	echo "archive.sh: stopping the sandbox, to start it again with the benchmark's settings" >&2
	"$sandbox" stop >/dev/null
fi
cleanup() {
	"$sandbox" stop >/dev/null || true
	[[ -n ${BENCH_KEEP-} ]] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$sandbox" start --innodb-buffer-pool-size=1G --innodb-flush-log-at-trx-commit=2 \
	--innodb-log-file-size=512M --max-connections=500 --max-allowed-packet=256M >/dev/null
eval "$("$sandbox" env)"
SOCK=$DB_SOCKET
[[ $SOCK != *[[:space:]]* ]] || die "the socket path contains white space: $SOCK"
mpid=$(cat "$top/.sandbox/mysqld.pid")
[[ $(cat "/proc/$mpid/comm") == mariadbd ]] || die "no mariadbd at pid $mpid"
hz=$(getconf CLK_TCK)

sql() {
	mariadb --no-defaults -uroot --socket="$SOCK" -N -B "$@"
}
server_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$mpid/stat"
}
# json_field KEY FILE: the value of "KEY": in dbkit's --json output.
json_field() {
	sed -n "s/^ *\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$2" | head -n 1
}
# bytes and flush_dirty
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The variants. In a command, {T:name} marks a process that is timed on
# its own under that name (it becomes `T k`, /usr/bin/time writing to its
# own file). The small phase runs catalog and archive-stdout as they are.
# shellcheck disable=SC2016
declare -A cmd=(
	[catalog]='{T:dbbackup} "$DBBACKUP" --no-defaults -S "$SOCK" -u root -d "$W/catalog" --threads $N --json full bench >"$W/catalog.json"'
	[archive-stdout]='{T:dbbackup} "$DBBACKUP" --no-defaults -S "$SOCK" -u root -d "$W/spool-stdout" --threads $N --json full --archive - bench >"$W/stdout.tar"'
	[archive-file]='{T:dbbackup} "$DBBACKUP" --no-defaults -S "$SOCK" -u root -d "$W/spool-file" --threads $N --json full --archive "$W/file.tar" bench >"$W/file.json"'
	[export-import]='{T:export} "$DBBACKUP" --no-defaults -d "$W/src" export $ID | {T:import} "$DBBACKUP" --no-defaults -d "$W/dst" import - >"$W/import.txt"'
	[tar-tar]='{T:tar-c} tar -C "$W/src" -cf - $ID | {T:tar-x} tar -C "$W/dst" -xf -'
	[tar-tar-sync]='{T:tar-c} tar -C "$W/src" -cf - $ID | {T:tar-x} tar -C "$W/dst" -xf - && {T:sync} find "$W/dst" -exec sync {} +'
)
backups=(catalog archive-stdout archive-file)
copies=(export-import tar-tar tar-tar-sync)
smalls=(small-catalog small-archive-stdout)
declare -A failed=()
notes=()

# T k PROGRAM ARG...: run PROGRAM under /usr/bin/time into $tdir/k.
tdir=$W/.time
T() {
	local k=$1
	shift
	/usr/bin/time -o "$tdir/$k" -f '%e %U %S %M' "$@"
}

# --- before and after each run (untimed). prepare_PHASE VARIANT;
# check_PHASE VARIANT LOG: exit status 0 when the output is good, else a
# line on stderr saying why (what the commands print goes to LOG).

# spool VARIANT: the catalogue an archive variant takes its lock and spools in.
spool() {
	echo "$W/spool-${1#archive-}"
}
prepare_backup() {
	local v=${1#small-}
	case $v in
	catalog) rm -rf "$W/catalog" "$W/catalog.json" && mkdir "$W/catalog" ;;
	archive-stdout) rm -rf "$(spool "$v")" "$W/stdout.tar" && mkdir "$(spool "$v")" ;;
	archive-file) rm -rf "$(spool "$v")" "$W/file.tar" "$W/file.tar.partial" "$W/file.json" && mkdir "$(spool "$v")" ;;
	esac
	sync
	sleep 1
}
prepare_small() {
	prepare_backup "$@"
}
prepare_copy() {
	rm -rf "$W/dst"
	mkdir "$W/dst"
	sync
	sleep 1
}

check_backup() {
	local v=${1#small-} log=$2 file id left
	if [[ $v == catalog ]]; then
		"$DBRESTORE" --no-defaults -d "$W/catalog" --verify latest >>"$log" 2>&1 ||
			{ echo "dbrestore --verify of the catalogue's backup failed" >&2; return 1; }
		return 0
	fi
	file=$W/${v#archive-}.tar
	left=$(find "$(spool "$v")" -mindepth 1 -maxdepth 1 -type d -printf '%f ')
	[[ -z $left ]] || { echo "left in the catalogue: $left" >&2; return 1; }
	[[ ! -e $file.partial ]] || { echo "left behind: ${file##*/}.partial" >&2; return 1; }
	tar -tf "$file" >>"$log" 2>&1 || { echo "GNU tar cannot list ${file##*/}" >&2; return 1; }
	rm -rf "$W/check"
	"$DBBACKUP" --no-defaults -d "$W/check" import "$file" >"$W/check.txt" 2>>"$log" ||
		{ echo "dbbackup import of ${file##*/} failed" >&2; return 1; }
	cat "$W/check.txt" >>"$log"
	id=$(awk '$1 == "imported" { print $2; exit }' "$W/check.txt")
	[[ $id == *-full ]] || { echo "dbbackup import of ${file##*/} named no full backup" >&2; return 1; }
	"$DBRESTORE" --no-defaults -d "$W/check" --verify "$id" >>"$log" 2>&1 ||
		{ echo "dbrestore --verify of the imported $id failed" >&2; return 1; }
	rm -rf "$W/check"
}
check_small() {
	check_backup "$@"
}
check_copy() {
	local v=$1 log=$2 partial
	if [[ $v == export-import ]] && ! grep -q "^imported $ID (full, " "$W/import.txt"; then
		echo "import did not say: imported $ID (full, ...)" >&2
		return 1
	fi
	"$DBRESTORE" --no-defaults -d "$W/dst" --verify "$ID" >>"$log" 2>&1 ||
		{ echo "dbrestore -d dst --verify $ID failed" >&2; return 1; }
	diff -r "$W/src/$ID" "$W/dst/$ID" >>"$log" 2>&1 ||
		{ echo "dst/$ID differs from src/$ID" >&2; return 1; }
	partial=$(find "$W/dst" -name '*.partial' -printf '%f ')
	[[ -z $partial ]] || { echo "left in dst: $partial" >&2; return 1; }
}

# output_bytes VARIANT: the size of what a run of VARIANT wrote.
output_bytes() {
	case ${1#small-} in
	catalog) bytes "$W/catalog" ;;
	archive-*) bytes "$W/${1#*archive-}.tar" ;;
	*) bytes "$W/dst/$ID" ;;
	esac
}

# run PHASE ROUND VARIANT: one timed run, then its check; appends a line to
# runs.tsv.
run() {
	local phase=$1 round=$2 v=$3 c=${cmd[${3#small-}]} k=0 rc=0 status=ok
	local t0 t1 s0 s1 wall log procs='' line why outbytes=-
	local -a names=()
	while [[ $c =~ \{T:([a-z-]+)\} ]]; do
		k=$((k + 1))
		names+=("${BASH_REMATCH[1]}")
		c=${c/"${BASH_REMATCH[0]}"/T $k}
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
		printf '\narchive.sh: FAIL: %s (round %s) exited with status %s:\n' "$v" "$round" "$rc" >&2
		tail -n 5 "$log" | sed 's/^/    /' >&2
	elif ! why=$("check_$phase" "$v" "$log" 2>&1 >/dev/null); then
		status=FAIL
		printf '\narchive.sh: FAIL: %s (round %s): %s (see logs/)\n' "$v" "$round" "$why" >&2
	fi
	[[ $status != ok ]] || outbytes=$(output_bytes "$v")
	[[ $status == ok ]] || failed[$v]=1
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	printf '%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\n' "$phase" "$round" "$v" "$status" "$wall" \
		"$(awk -v a="$s0" -v b="$s1" -v hz="$hz" 'BEGIN { print (b - a) / hz }')" \
		"$outbytes" "$procs" >>"$out/runs.tsv"
	if [[ $status == ok ]]; then printf ' %s %.2fs' "$v" "$wall" >&2; else printf ' %s FAIL' "$v" >&2; fi
}

# runnable VARIANT: whether this build of dbbackup can run VARIANT (else a
# note says why not).
help=$("$DBBACKUP" --help 2>&1) || true
runnable() {
	case ${1#small-} in
	archive-*) [[ $help == *--archive* ]] ||
		{ notes+=("$1: skipped, ${DBBACKUP#"$top"/} has no --archive"); return 1; } ;;
	export-import) [[ $help == *export* && $help == *import* ]] ||
		{ notes+=("$1: skipped, ${DBBACKUP#"$top"/} has no export and import"); return 1; } ;;
	esac
}

# phase NAME VARIANT...: R rounds of the variants this build can run, the
# first one rotating.
phase() {
	local name=$1 r i n v
	shift
	local -a vs=()
	for v in "$@"; do
		if runnable "$v"; then vs+=("$v"); fi
	done
	n=${#vs[@]}
	((n > 0)) || return 0
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

# --- the dataset, and the copy phase's backup (untimed).
"$top/bench/dataset.sh" --scale "$scale" --out "$out" >/dev/null
"$DBBACKUP" --no-defaults -S "$SOCK" -u root -d "$W/src" --threads "$N" --json full bench >"$out/logs/src.json" ||
	die "dbbackup full into src/ failed (see logs/src.json)"
ID=$(json_field id "$out/logs/src.json")
[[ $ID == *-full && -d $W/src/$ID ]] || die "dbbackup full gave no backup id (see logs/src.json)"
src_bytes=$(bytes "$W/src/$ID")
echo "archive.sh: dataset built ($(awk -F '\t' '{ r += $2 } END { print r }' "$out/dataset.tsv") rows);" \
	"src/$ID holds $src_bytes bytes" >&2
sync
flush_dirty

# plain COMMAND: the command without its {T:name} markers.
plain() {
	local c=$1
	while [[ $c =~ \{T:[a-z-]+\}\  ]]; do
		c=${c/"${BASH_REMATCH[0]}"/}
	done
	printf '%s\n' "$c"
}
# shellcheck disable=SC2016 # the variables are named, not expanded
{
	printf '# variables: SOCK=%s W=%s N=%s ID=%s\n' "$SOCK" "$W" "$N" "$ID"
	printf '#            DBBACKUP=%s DBRESTORE=%s\n' "$DBBACKUP" "$DBRESTORE"
	echo '# untimed, once: "$DBBACKUP" --no-defaults -S "$SOCK" -u root -d "$W/src" --threads $N --json full bench'
	for v in "${backups[@]}" "${copies[@]}"; do
		printf '%-16s %s\n' "$v" "$(plain "${cmd[$v]}")"
	done
	echo "# small-catalog and small-archive-stdout: catalog and archive-stdout, at scale $small"
	echo '# checks (untimed), after each run:'
	echo '#   catalog:       "$DBRESTORE" --no-defaults -d "$W/catalog" --verify latest'
	echo '#   archive-*:     no directory in the spool catalogue, no FILE.partial; tar -tf FILE;'
	echo '#                  "$DBBACKUP" --no-defaults -d "$W/check" import FILE; "$DBRESTORE" --no-defaults -d "$W/check" --verify ID'
	echo '#   export-import: stdout says "imported $ID (full, ..."; then as tar-tar'
	echo '#   tar-tar(-sync): "$DBRESTORE" --no-defaults -d "$W/dst" --verify $ID; diff -r "$W/src/$ID" "$W/dst/$ID"; no *.partial in dst'
} >"$out/commands.txt"
printf 'phase\tround\tvariant\tstatus\twall_s\tserver_cpu_s\toutput_bytes\tprocesses (name wall_s user_s sys_s maxrss_kib; ...)\n' >"$out/runs.tsv"

phase backup "${backups[@]}"
phase copy "${copies[@]}"
# --- the small phase: bench rebuilt at a tenth of the scale (untimed).
if [[ $help == *--archive* ]]; then
	"$top/bench/dataset.sh" --scale "$small" --out "$out/small" >/dev/null
	sync
	flush_dirty
	phase small "${smalls[@]}"
fi
# runnable noted each skipped variant once per phase: once is enough.
mapfile -t notes < <(printf '%s\n' "${notes[@]}" | awk 'NF && !seen[$0]++')

# --- the summary.
{
	echo "archive.sh: dbkit commit $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')," \
		"server $(sql -e 'SELECT VERSION()'), $(nproc) CPUs, $(date -u +%FT%TZ)"
	echo "peer: $(tar --version | head -n 1); load average at start $load0, at end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "dataset: scale $scale, $(awk -F '\t' '{ r += $2 } END { print r }' "$out/dataset.tsv") rows" \
		"(small phase: scale $small); $rounds rounds per phase, --threads $threads, order rotated"
	echo "copy phase: src/$ID, $src_bytes bytes, $(find "$W/src/$ID" -type f | wc -l) files"
	for note in "${notes[@]}"; do echo "note: $note"; done
	awk -F '\t' -v rounds="$rounds" -v scale="$scale" -v small="$small" '
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
		# table PHASE TITLE: one line per variant of PHASE, in the order of runs.tsv.
		function table(ph, title,   i, v, m, any) {
			for (i = 1; i <= nv; i++) if (phase[vo[i]] == ph) any = 1
			if (!any) return
			printf "\n== %s\n%-22s %9s %13s %8s %8s %8s %10s %7s\n", title,
				"variant", "median_s", "min-max", "srv_cpu", "cli_cpu", "rss_MiB", "output_MB", "MB/s"
			for (i = 1; i <= nv; i++) {
				v = vo[i]
				if (phase[v] != ph) continue
				if (fail[v]) { printf "%-22s FAIL (%d of %d runs ok): no figures, see logs/\n", v, ok[v], ok[v] + fail[v]; continue }
				m = median(walls[v])
				printf "%-22s %9.2f %13s %8.2f %8.2f %8.1f %10.1f %7.1f\n", v, m, range(walls[v]),
					median(srv[v]), median(cli[v]), rss[v] / 1024, median(outs[v]) / 1e6, median(outs[v]) / 1e6 / m
			}
		}
		# ratios A V1 V2: the per-round ratios A[V1, r] / A[V2, r] (wall or
		# cpu), a list.
		function ratios(a, v1, v2,   r, s) {
			if (fail[v1] || fail[v2]) return ""
			for (r = 1; r <= rounds; r++) if ((v1, r) in a && (v2, r) in a && a[v2, r] > 0) s = s " " a[v1, r] / a[v2, r]
			return s
		}
		# figure LABEL LIST WIDTH: the median of LIST, and its min-max when it
		# has more than one value (how far the rounds disagree), in WIDTH
		# characters at least; x is the median.
		function figure(label, s, width,   a) {
			if (s == "") { printf "  %-58s %7s", label, "n/a"; x = ""; return }
			x = median(s)
			printf "  %-58s %7.2f%-*s", label, x, width, (split(s, a, " ") > 1 ? " (" range(s) ")" : "")
		}
		function goal(label, s, cmp, g) {
			figure(label, s, 12)
			if (x == "") { printf "\n"; return }
			printf "   goal %s %-5s %s\n", cmp, g, (cmp == "<=" ? x <= g : x >= g) ? "met" : "MISSED"
		}
		function info(label, s) {
			figure(label, s, 0)
			printf "\n"
		}
		function mib(v) { return (v in ok) && !fail[v] ? rss[v] / 1024 : "" }
		function size_ratio(v1, v2) { return (v1 in ok) && (v2 in ok) && !fail[v1] && !fail[v2] ? median(outs[v1]) / median(outs[v2]) : "" }
		NR == 1 { next }
		{
			v = $3; r = $2
			if (!(v in phase)) vo[++nv] = v
			phase[v] = $1
			if ($4 != "ok") { fail[v]++; next }
			ok[v]++; walls[v] = walls[v] " " $5; wall[v, r] = $5; srv[v] = srv[v] " " $6; outs[v] = outs[v] " " $7
			np = split($8, p, ";"); c = 0
			for (i = 1; i <= np; i++) {
				split(p[i], f, " ")
				c += f[3] + f[4]; if (f[5] + 0 > rss[v]) rss[v] = f[5] + 0
				pk = v SUBSEP f[1]; if (!(pk in pwall)) pord[v] = pord[v] " " f[1]
				pwall[pk] = pwall[pk] " " f[2]; pcpu[pk] = pcpu[pk] " " f[3] + f[4]; if (f[5] + 0 > prss[pk]) prss[pk] = f[5] + 0
			}
			cli[v] = cli[v] " " c; cpu[v, r] = c
		}
		END {
			table("backup", "backup of bench, scale " scale " (then checked: dbrestore --verify; an archive imported and verified)")
			table("copy", "copy of one backup from src/ to dst/ (then checked: dbrestore --verify, diff -r)")
			table("small", "backup of bench, scale " small " (checked as at scale " scale ")")
			printf "\n== by process (median wall s, median user+sys CPU s, highest peak RSS MiB)\n"
			for (i = 1; i <= nv; i++) {
				v = vo[i]
				if (fail[v]) continue
				np = split(pord[v], p, " ")
				for (j = 1; j <= np; j++)
					printf "%-22s %-10s %7.2f %7.2f %7.1f\n", v, p[j], median(pwall[v, p[j]]), median(pcpu[v, p[j]]), prss[v, p[j]] / 1024
			}
			printf "\n== goals (medians of the per-round ratios, and their min-max)\n"
			goal("full --archive - >FILE / full into the catalogue, wall", ratios(wall, "archive-stdout", "catalog"), "<=", 1.05)
			goal("full --archive - peak RSS, MiB", mib("archive-stdout"), "<=", 128)
			goal("export | import speed / tar -c | tar -x speed", ratios(wall, "tar-tar", "export-import"), ">=", 0.8)
			printf "\n== for the record\n"
			goal("full --archive FILE / full into the catalogue, wall", ratios(wall, "archive-file", "catalog"), "<=", 1.05)
			goal("full --archive FILE peak RSS, MiB", mib("archive-file"), "<=", 128)
			info("full --archive - / full, client CPU (user+sys)", ratios(cpu, "archive-stdout", "catalog"))
			info("full --archive FILE / full, client CPU (user+sys)", ratios(cpu, "archive-file", "catalog"))
			info("export | import / tar -c | tar -x, wall", ratios(wall, "export-import", "tar-tar"))
			info("export | import / tar -c | tar -x, CPU (user+sys)", ratios(cpu, "export-import", "tar-tar"))
			goal("export | import speed / tar | tar then sync of each file", ratios(wall, "tar-tar-sync", "export-import"), ">=", 0.8)
			info("archive / catalogue entry, size", size_ratio("archive-stdout", "catalog"))
			info("full into the catalogue peak RSS, MiB", mib("catalog"))
			info("scale " small ": full --archive - / full, wall", ratios(wall, "small-archive-stdout", "small-catalog"))
			goal("scale " small ": full --archive - peak RSS, MiB", mib("small-archive-stdout"), "<=", 128)
			if (mib("archive-stdout") != "" && mib("small-archive-stdout") != "")
				info("full --archive - peak RSS, scale " scale " / scale " small, mib("archive-stdout") / mib("small-archive-stdout"))
		}' "$out/runs.tsv"
} | tee "$out/summary.txt"
echo
echo "archive.sh: results in ${out#"$top"/}/ (summary.txt, runs.tsv, commands.txt, dataset.txt, logs/)"
((${#failed[@]} == 0)) || die "failed: ${!failed[*]} (see above and logs/)"

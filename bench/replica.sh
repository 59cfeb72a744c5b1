#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# bench/replica.sh [--threads N] [--rounds R] [--scale S]: backups on a
# replica and new replicas from them (issue 15). The issue sets no figure;
# these are the operator's two questions, dbkit side by side with its
# peers on the same servers in the same run:
#
# 1. Backup on a replica while the primary takes writes. Variants:
#      dbbackup           dbbackup full (default compression)
#      dbbackup-pause     the same with --replica-pause
#      mariadb-dump-gzip  mariadb-dump --single-transaction --dump-slave=2
#                         --gtid --all-databases | gzip -6
#      mydumper-c         mydumper -c --trx-consistency-only (all databases;
#                         mydumper 0.10 always writes the replica's SHOW
#                         SLAVE STATUS into its metadata file; the option
#                         keeps its FLUSH TABLES WITH READ LOCK to the
#                         snapshot's start, as --single-transaction does,
#                         where its default holds it over the non-InnoDB
#                         tables; --no-locks would record coordinates that
#                         do not match the data)
#    Printed: the wall ratios, dbbackup's .replica.paused_ms (how long
#    --replica-pause stopped the SQL thread), how long a sampler saw the
#    replica's SQL thread stopped (SHOW SLAVE STATUS every 0.1 s: it sees
#    mariadb-dump's STOP SLAVE SQL_THREAD, which lasts the whole dump, and
#    no pause much shorter than 0.1 s), and how long the replica took to
#    catch up with the primary once the writes stopped after the run.
# 2. A new replica from a backup of the replica taken under writes, end to
#    end. Variants:
#      dbrestore  dbrestore --as-replica-of dbk_repl@127.0.0.1:PORT
#                 --replication-password-file F latest (of a dbbackup full)
#      mariadb    zcat dump.sql.gz | mariadb (of the mariadb-dump above),
#                 then what a DBA types from the dump's commented
#                 `SET GLOBAL gtid_slave_pos='...'` (mariadb-dump writes it
#                 near the end: zcat | tail finds it): that statement,
#                 CHANGE MASTER TO MASTER_HOST, MASTER_PORT, MASTER_USER,
#                 MASTER_PASSWORD, MASTER_USE_GTID=slave_pos; START SLAVE.
#                 The client runs with --init-command='SET SESSION
#                 sql_log_bin=0', as dbrestore --as-replica-of implies
#                 --no-binlog: the copy is not the new replica's to log,
#                 and neither side pays for binlogging it.
#    Timed from the start of the restore: until the new replica runs both
#    threads (dbrestore returns then; for the peer, SHOW SLAVE STATUS
#    polled every 0.1 s), and until it has caught up: then the writes
#    stop and MASTER_GTID_WAIT(the primary's gtid_binlog_pos) runs on it.
#
# Not like for like, by design: the peers dump every database, the system
# database mysql included (help tables, accounts: 2.65 MB of SQL on an
# empty server, ~1.6 s of the peer's restore here), where dbbackup backs up
# all but the system databases and dbrestore restores only those.
# mydumper 0.10.0 hung once (in the record run, round 2: every bench file
# written, its threads in futex waits, its connection idle in `sys`); the
# script sets no timeout: kill that mydumper by its pid, and the run is a
# FAIL.
#
# N defaults to the number of CPUs (dbbackup's and dbrestore's default;
# mydumper gets -t N), R to 3, S to 0.2 (bench/dataset.sh's data at a
# fifth: a round takes a few minutes; --scale 1 for the record).
#
# Method (that of bench/backup.sh and bench/archive.sh):
# - The servers come from tests/helper/server.bash, sourced as a bats file
#   does, with its BATS_* directories in a private temporary directory:
#   primary (--log-bin --server-id=1 --gtid-domain-id=1 ROW) and replica
#   (--server-id=2 --log-bin --relay-log --read-only), replicating with
#   GTID as replication_start sets up its default connection, both with a
#   256M buffer pool, a 128M redo log and the helper's other settings
#   (flush_log_at_trx_commit 2, ...); each new replica is a fresh server
#   with the replica's settings and a server_id of its own, stopped after
#   its run. Every server is stopped at the end, and on Ctrl-C.
# - bench/dataset.sh builds the database `bench` on the primary (plus the
#   table bench.load_tx the writes go to); the script waits until the
#   replica has it, checks that every table's CHECKSUM TABLE is the same on
#   both, and makes InnoDB flush its dirty pages on both (untimed).
# - The writes: one mariadb client on the primary, fed by a bash loop,
#   one small transaction every 20 ms (an UPDATE of one sbtest row and an
#   INSERT into bench.load_tx), started 2 s before each run and stopped
#   after it; runs.tsv gives the transactions the primary committed during
#   the run.
# - Each round runs every variant of a phase once; the first variant
#   rotates from round to round. Ratios are medians of the per-round
#   ratios, with their min-max.
# - Backup phase: before each run its previous output is deleted, `sync;
#   sleep 1`. After each run, untimed, the replica must catch up, and the
#   output is checked, else the run is a FAIL, never a number: dbbackup's
#   backup passes dbrestore --verify and its report names the replica's
#   source with a gtid_slave_pos; the dump passes gzip -t, ends with
#   `-- Dump completed` and has the commented gtid_slave_pos; mydumper's
#   files pass gzip -t and its metadata has the slave status and
#   `Finished dump`.
# - Provisioning phase: each run starts a fresh server (untimed), starts
#   the writes, takes its variant's backup of the replica (dbbackup full,
#   or the mariadb-dump | gzip above; untimed), and restores while the
#   writes go on. After it, untimed: the new replica's threads still run
#   with no error, and every table's CHECKSUM TABLE on it equals the
#   primary's (the writes stopped, both caught up), else a FAIL.
# - A command that exits non-zero is a FAIL too. A variant that failed is
#   not run again, and the script exits 1 when anything failed.
# - Wall time is `date +%s.%N` around the whole command. Each process runs
#   under /usr/bin/time -f '%e %U %S %M': its wall time, user and system
#   CPU, peak RSS. Server CPU is the utime+stime delta of the mariadbd
#   that does the work (the replica for a backup, the new replica for a
#   restore), from /proc/<pid>/stat.
#
# Results go to bench/results/replica-<time>/: runs.tsv (one line per
# run), summary.txt (what is printed), commands.txt (the exact commands),
# dataset.tsv/.txt, logs/ (each run's output and checks). Backups are
# written to work/ in there, removed at the end unless BENCH_KEEP=1. The
# clients and the three servers share the same CPUs and the machine is
# noisy: compare the ratios of one run.

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() {
	printf 'replica.sh: %s\n' "$*" >&2
	exit 1
}
usage() {
	echo "usage: bench/replica.sh [--threads N] [--rounds R] [--scale S]"
}

threads=$(nproc) rounds=3 scale=0.2
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
[[ $threads =~ ^[1-9][0-9]*$ ]] || { echo "replica.sh: bad thread count: $threads" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "replica.sh: bad round count: $rounds" >&2; exit 2; }
if ! [[ $scale =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] || ! awk -v s="$scale" 'BEGIN { exit !(s > 0) }'; then
	echo "replica.sh: bad scale: $scale" >&2
	exit 2
fi
for tool in mariadb mariadb-dump mariadbd sysbench gzip zcat jq /usr/bin/time; do
	command -v "$tool" >/dev/null || die "$tool not found (scripts/deps --bench)"
done
have_mydumper=0
if command -v mydumper >/dev/null; then have_mydumper=1; fi

out=$top/bench/results/replica-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out/work" "$out/logs"

# The variables the commands below use, by name, when they are eval'd.
# shellcheck disable=SC2034
{
	W=$out/work                       # backups and dumps
	N=$threads                        # threads of every tool
	DBBACKUP=${DBBACKUP:-$top/dbbackup/dbbackup}      # or another build of them
	DBRESTORE=${DBRESTORE:-$top/dbrestore/dbrestore}
	RSOCK=''                          # the replica's socket
	PPORT=''                          # the primary's TCP port
	PSOCK=''                          # the primary's socket
	TSOCK=''                          # the new replica's socket (each run)
}
[[ $W != *[[:space:]]* ]] || die "the results path contains white space: $W"
[[ -x $DBBACKUP && -x $DBRESTORE ]] || die "build dbbackup and dbrestore first (make all)"

# --- the servers, from the test helper, in a private directory.
load0=$(cut -d' ' -f1-3 /proc/loadavg)
priv=$(mktemp -d /tmp/dbk-replica-bench.XXXXXX)
export BATS_FILE_TMPDIR=$priv/file BATS_RUN_TMPDIR=$priv/run BATS_TEST_TMPDIR=$priv/test
mkdir -p "$BATS_FILE_TMPDIR" "$BATS_RUN_TMPDIR" "$BATS_TEST_TMPDIR"
# shellcheck source=tests/helper/server.bash
. "$top/tests/helper/server.bash"
# bytes and flush_dirty (which call `sql`; see flush_on)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"

load_pid='' watch_pid=''
cleanup() {
	# Stop the writes and the sampler (ours, by pid), then every server.
	touch "$W/load.stop" "$W/watch.stop" 2>/dev/null || true
	[[ -z $load_pid ]] || wait "$load_pid" 2>/dev/null || true
	[[ -z $watch_pid ]] || wait "$watch_pid" 2>/dev/null || true
	server_stop_all || true
	rm -rf "$priv"
	[[ -n ${BENCH_KEEP-} ]] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

server_args=(--innodb-buffer-pool-size=256M --innodb-log-file-size=128M --max-allowed-packet=256M)
replica_args=(--log-bin=mysql-bin --relay-log=relay-bin --read-only "${server_args[@]}")
echo "replica.sh: starting primary and replica" >&2
server_start primary --log-bin=mysql-bin --server-id=1 --gtid-domain-id=1 --binlog-format=ROW \
	"${server_args[@]}" || die "the primary did not start"
server_start replica --server-id=2 "${replica_args[@]}" || die "the replica did not start"
# shellcheck disable=SC2154 # exported by server_start
{
	RSOCK=$SOCK_replica PPORT=$PORT_primary PSOCK=$SOCK_primary
	rpid=$PID_replica
}
[[ $RSOCK != *[[:space:]]* ]] || die "the socket path contains white space: $RSOCK"
sql primary "SET SESSION sql_log_bin = 0;
	CREATE USER $DBK_REPL_USER@'127.0.0.1' IDENTIFIED BY '$DBK_REPL_PASSWORD';
	GRANT REPLICATION SLAVE ON *.* TO $DBK_REPL_USER@'127.0.0.1';"
printf '%s\n' "$DBK_REPL_PASSWORD" >"$W/replpw"
chmod 600 "$W/replpw"
sql replica "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$PPORT,
	MASTER_USER='$DBK_REPL_USER', MASTER_PASSWORD='$DBK_REPL_PASSWORD',
	MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE;"
hz=$(getconf CLK_TCK)

# slave_field SERVER FIELD: one field of SHOW SLAVE STATUS on SERVER.
slave_field() {
	mariadb --no-defaults -uroot --socket="$(_dbk_dir "$1")/mysqld.sock" -e 'SHOW SLAVE STATUS\G' | awk -v f="$2" '$1 == f ":" { sub(/^[^:]*: ?/, ""); print; exit }'
}
# wait_threads SOCKET: until the server's IO and SQL threads both run (60 s).
wait_threads() {
	local deadline=$((SECONDS + 60)) s
	while :; do
		s=$(mariadb --no-defaults -uroot --socket="$1" -e 'SHOW SLAVE STATUS\G') || return 1
		if grep -q '^ *Slave_IO_Running: Yes$' <<<"$s" && grep -q '^ *Slave_SQL_Running: Yes$' <<<"$s"; then
			return 0
		fi
		if ((SECONDS >= deadline)); then
			echo "replication threads not running after 60 s:" >&2
			grep -E 'Slave_(IO|SQL)_Running:|Last_(IO|SQL)_Error:' <<<"$s" >&2
			return 1
		fi
		sleep 0.1
	done
}
# caught_up SERVER: wait (600 s) until SERVER has applied all the primary
# has binlogged.
caught_up() {
	local pos r
	pos=$(sql primary 'SELECT @@GLOBAL.gtid_binlog_pos')
	r=$(sql "$1" "SELECT MASTER_GTID_WAIT('$pos', 600)") || return 1
	[[ $r == 0 ]] || { echo "$1 did not reach the primary's $pos in 600 s" >&2; return 1; }
}
# seq SERVER: the sequence number of the primary's domain (1) in
# SERVER's gtid_binlog_pos (the primary) or gtid_slave_pos (a replica).
seq_of() {
	local v=gtid_binlog_pos
	[[ $1 == primary ]] || v=gtid_slave_pos
	sql "$1" "SELECT @@GLOBAL.$v" | tr ',' '\n' | awk -F- '$1 == 1 { print $3 }'
}
# checksums SERVER: every base table outside the system databases, with
# its CHECKSUM TABLE, sorted.
checksums() {
	local list
	list=$(sql "$1" "SELECT GROUP_CONCAT(CONCAT('\`', table_schema, '\`.\`', table_name, '\`') ORDER BY 1)
		FROM information_schema.tables WHERE table_type = 'BASE TABLE'
		AND table_schema NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')")
	[[ -n $list && $list != NULL ]] || { echo "no tables"; return 0; }
	sql "$1" "CHECKSUM TABLE $list" | sort
}
# same_data SERVER LOG: SERVER's checksums equal the primary's.
same_data() {
	checksums primary >"$2.primary"
	checksums "$1" >"$2.$1"
	if ! cmp -s "$2.primary" "$2.$1"; then
		echo "CHECKSUM TABLE differs from the primary's on $1: $(diff "$2.primary" "$2.$1" | grep -c '^[<>]') lines" >&2
		return 1
	fi
}
# flush_on SERVER: lib.sh's flush_dirty against SERVER.
flush_on() {
	(
		sql() { _dbk_sql_dir "$(_dbk_dir "$srv")" "${@: -1}"; }
		srv=$1
		flush_dirty
	)
}
ticks() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# --- the writes: load_start, load_stop. One client on the primary, fed one
# small transaction every 20 ms by a loop that ends when load.stop exists.
load_start() {
	rm -f "$W/load.stop"
	(
		i=0
		while [[ ! -e $W/load.stop ]]; do
			i=$((i + 1))
			printf 'BEGIN; UPDATE bench.sbtest%d SET k = k + 1 WHERE id = %d;
INSERT INTO bench.load_tx (n, at, note) VALUES (%d, NOW(6), REPEAT(CHAR(97 + %d %% 26), %d)); COMMIT;\n' \
				$((i % 4 + 1)) $((i * 7919 % sb_rows + 1)) "$i" "$i" $((i % 90 + 10))
			sleep 0.02
		done
	) | mariadb --no-defaults -uroot --socket="$PSOCK" -N -B >>"$W/load.log" 2>&1 &
	load_pid=$!
}
load_stop() {
	local rc=0
	touch "$W/load.stop"
	wait "$load_pid" || rc=$?
	load_pid=''
	((rc == 0)) || { echo "the write load's client exited with status $rc: $(tail -n 1 "$W/load.log")" >&2; return 1; }
}
# The sampler: SHOW SLAVE STATUS on the replica every 0.1 s, with the time.
watch_start() {
	rm -f "$W/watch.stop"
	(
		while [[ ! -e $W/watch.stop ]]; do
			echo 'SELECT UNIX_TIMESTAMP(SYSDATE(6)); SHOW SLAVE STATUS;'
			sleep 0.1
		done
	) | mariadb --no-defaults -uroot --socket="$RSOCK" -N -B >"$W/watch.out" 2>&1 &
	watch_pid=$!
}
# watch_stop: the seconds the sampler saw the SQL thread stopped (each
# sample that says No counts until the next sample).
watch_stop() {
	touch "$W/watch.stop"
	wait "$watch_pid" || true
	watch_pid=''
	awk -F '\t' '
		NF == 1 { t = $1; next }
		NF > 12 { if (have && prev == "No") s += t - pt; pt = t; prev = $12; have = 1 }
		END { printf "%.1f\n", s }' "$W/watch.out"
}

# The variants. In a command, {T:name} marks a process timed on its own
# under that name (it becomes `T k`, /usr/bin/time writing to its own file).
# shellcheck disable=SC2016 # the variables are named, not expanded
declare -A cmd=(
	[dbbackup]='{T:dbbackup} "$DBBACKUP" --no-defaults -S "$RSOCK" -u root -d "$W/dbbackup" --threads $N --json full >"$W/dbbackup.json"'
	[dbbackup-pause]='{T:dbbackup} "$DBBACKUP" --no-defaults -S "$RSOCK" -u root -d "$W/dbbackup-pause" --threads $N --replica-pause --json full >"$W/dbbackup-pause.json"'
	[mariadb-dump-gzip]='{T:mariadb-dump} mariadb-dump --no-defaults -uroot --socket="$RSOCK" --single-transaction --dump-slave=2 --gtid --all-databases | {T:gzip} gzip -6 >"$W/dump.sql.gz"'
	[mydumper-c]='{T:mydumper} mydumper -S "$RSOCK" -u root -t $N -c --trx-consistency-only -o "$W/mydumper-c"'
	[dbrestore]='{T:dbrestore} "$DBRESTORE" --no-defaults -S "$TSOCK" -u root -d "$W/dbbackup" --threads $N --as-replica-of dbk_repl@127.0.0.1:$PPORT --replication-password-file "$W/replpw" latest && wait_threads "$TSOCK"'
	[mariadb]='{T:zcat} zcat "$W/dump.sql.gz" | {T:mariadb} mariadb --no-defaults -uroot --socket="$TSOCK" --init-command="SET SESSION sql_log_bin = 0" && change_master "$W/dump.sql.gz" && wait_threads "$TSOCK"'
)
# The backup each provisioning variant restores, taken (untimed) before it.
declare -A source_of=([dbrestore]=dbbackup [mariadb]=mariadb-dump-gzip)
backups=(dbbackup dbbackup-pause mariadb-dump-gzip)
((have_mydumper)) && backups+=(mydumper-c)
provisions=(dbrestore mariadb)
declare -A failed=()
notes=()
((have_mydumper)) || notes+=("mydumper-c: skipped, mydumper is not installed")

# dump_gtid DUMP: the GTID position mariadb-dump --dump-slave=2 --gtid
# comments out near the dump's end (`-- SET GLOBAL gtid_slave_pos='...';`,
# after "The deferred gtid setting for slave ..."; the top has only
# `-- CHANGE MASTER '' TO MASTER_USE_GTID=slave_pos;`).
dump_gtid() {
	(zcat "$1" 2>/dev/null || true) | tail -n 30 |
		sed -n "s/^-- SET GLOBAL gtid_slave_pos *= *'\([0-9,-]*\)';\$/\1/p"
}
# change_master DUMP: what a DBA types from the dump's commented GTID
# position: SET GLOBAL gtid_slave_pos, CHANGE MASTER, START SLAVE.
change_master() {
	local gtid
	gtid=$(dump_gtid "$1")
	[[ -n $gtid ]] || { echo "no commented gtid_slave_pos in the dump" >&2; return 1; }
	mariadb --no-defaults -uroot --socket="$TSOCK" -e "SET GLOBAL gtid_slave_pos = '$gtid';
		CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $PPORT,
		MASTER_USER = '$DBK_REPL_USER', MASTER_PASSWORD = '$DBK_REPL_PASSWORD',
		MASTER_USE_GTID = slave_pos;
		START SLAVE;"
}

tdir=$W/.time
T() {
	local k=$1
	shift
	/usr/bin/time -o "$tdir/$k" -f '%e %U %S %M' "$@"
}

# --- before and after each run (untimed).
prepare_backup() {
	rm -rf "$W/${1:?}" "$W/$1.json" "$W/dump.sql.gz"
	[[ $1 != dbbackup* ]] || mkdir "$W/$1"
	sync
	sleep 1
	load_start
	sleep 2
}
# check_backup VARIANT LOG: 0 when the output is good, else why on stderr.
check_backup() {
	local v=$1 log=$2 f
	case $v in
	dbbackup*)
		if ! jq -e '(.replica.sources | length == 1) and (.replica.gtid_slave_pos | test("^1-1-[0-9]+$"))' \
			"$W/$v.json" >/dev/null; then
			echo "the report names no source with a gtid_slave_pos: $(jq -c .replica "$W/$v.json")" >&2
			return 1
		fi
		"$DBRESTORE" --no-defaults -d "$W/$v" --verify latest >>"$log" 2>&1 ||
			{ echo "dbrestore --verify failed" >&2; return 1; }
		;;
	mariadb-dump-gzip)
		gzip -t "$W/dump.sql.gz" || { echo "gzip -t failed" >&2; return 1; }
		zcat "$W/dump.sql.gz" | tail -n 1 | grep -q '^-- Dump completed' ||
			{ echo "the dump does not end with -- Dump completed" >&2; return 1; }
		[[ $(dump_gtid "$W/dump.sql.gz") =~ ^1-1-[0-9]+$ ]] ||
			{ echo "no commented gtid_slave_pos 1-1-N at the dump's end" >&2; return 1; }
		;;
	mydumper-c)
		f=$W/mydumper-c/metadata
		cat "$f" >>"$log" 2>/dev/null || { echo "no metadata file" >&2; return 1; }
		if ! grep -q 'SHOW SLAVE STATUS' "$f" || ! grep -q 'GTID:1-1-[0-9]' "$f" || ! grep -q 'Finished dump at' "$f"; then
			echo "the metadata lacks the slave status, its GTID 1-1-N or Finished dump" >&2
			return 1
		fi
		for f in "$W"/mydumper-c/*.gz; do
			gzip -t "$f" || { echo "gzip -t ${f##*/} failed" >&2; return 1; }
		done
		;;
	esac
}
output_of() {
	case $1 in
	dbbackup*) echo "$W/$1" ;;
	mariadb-dump-gzip) echo "$W/dump.sql.gz" ;;
	mydumper-c) echo "$W/mydumper-c" ;;
	esac
}

tcount=0 tname=''
prepare_provision() {
	local src=${source_of[$1]} c rc=0
	tcount=$((tcount + 1))
	tname=target$tcount
	server_start "$tname" --server-id=$((100 + tcount)) "${replica_args[@]}" ||
		{ echo "the new replica's server did not start" >&2; return 1; }
	TSOCK=$(_dbk_dir "$tname")/mysqld.sock
	rm -rf "$W/dbbackup" "$W/dump.sql.gz"
	mkdir "$W/dbbackup"
	sync
	sleep 1
	load_start
	sleep 2
	# The backup, untimed, as in the backup phase (its processes not timed).
	c=${cmd[$src]}
	while [[ $c =~ \{T:[a-z-]+\}\  ]]; do c=${c/"${BASH_REMATCH[0]}"/}; done
	eval "$c" >"$out/logs/provision-source-$tcount.log" 2>&1 || rc=$?
	((rc == 0)) || { echo "its backup ($src) exited with status $rc" >&2; return 1; }
	check_backup "$src" "$out/logs/provision-source-$tcount.log"
}
check_provision() {
	local log=$2 e
	for e in Last_IO_Error Last_SQL_Error; do
		[[ -z $(slave_field "$tname" $e) ]] || { echo "$e: $(slave_field "$tname" $e)" >&2; return 1; }
	done
	[[ $(slave_field "$tname" Slave_IO_Running) == Yes && $(slave_field "$tname" Slave_SQL_Running) == Yes ]] ||
		{ echo "the new replica's threads stopped" >&2; return 1; }
	caught_up replica || return 1
	same_data "$tname" "$log"
}

# run PHASE ROUND VARIANT: one timed run, then its check; appends a line to
# runs.tsv.
run() {
	local phase=$1 round=$2 v=$3 c=${cmd[$3]} k=0 rc=0 status=ok why=''
	local t0 t1 t2='' s0 s1 spid seq0 seq1 log procs='' line
	local wall threads_s=- outbytes=- stopped=- catchup=- paused=- backlog=- a b
	local -a names=()
	log=$out/logs/$phase-$round-$v.log
	# In this shell, not $(...): it starts the writes and the new replica.
	if ! "prepare_$phase" "$v" >>"$log" 2>"$W/why"; then
		run_fail "$phase" "$round" "$v" "before the run: $(tail -n 3 "$W/why" | tr '\n' ' ')"
		return 0
	fi
	cat "$W/why" >>"$log"
	if [[ $phase == provision ]]; then
		spid=$(cat "$(_dbk_dir "$tname")/pid")
	else
		spid=$rpid
		watch_start
	fi
	while [[ $c =~ \{T:([a-z-]+)\} ]]; do
		k=$((k + 1))
		names+=("${BASH_REMATCH[1]}")
		c=${c/"${BASH_REMATCH[0]}"/T $k}
	done
	rm -rf "$tdir"
	mkdir -p "$tdir"
	seq0=$(seq_of primary)
	s0=$(ticks "$spid")
	t0=$(date +%s.%N)
	eval "$c" >>"$log" 2>&1 || rc=$?
	t1=$(date +%s.%N)
	s1=$(ticks "$spid")
	if [[ $phase == provision && $rc == 0 ]]; then
		# Threads run: the writes stop, the new replica catches up.
		load_stop 2>>"$log" || rc=$?
		seq1=$(seq_of primary)
		((rc != 0)) || caught_up "$tname" 2>>"$log" || rc=$?
		t2=$(date +%s.%N)
		s1=$(ticks "$spid")
	else
		[[ $phase == provision ]] || stopped=$(watch_stop)
		load_stop 2>>"$log" || rc=$?
		seq1=$(seq_of primary)
	fi
	for ((k = 1; k <= ${#names[@]}; k++)); do
		line=$(tail -n 1 "$tdir/$k" 2>/dev/null) || line='- - - -'
		[[ $line =~ ^[0-9.]+\ [0-9.]+\ [0-9.]+\ [0-9]+$ ]] || line='- - - -'
		procs+="${procs:+;}${names[k - 1]} $line"
	done
	if ((rc != 0)); then
		why="exited with status $rc: $(tail -n 3 "$log" | tr '\n' ' ')"
	elif [[ $phase == backup ]]; then
		local c0 c1
		c0=$(date +%s.%N)
		caught_up replica 2>>"$log" || why="the replica did not catch up"
		c1=$(date +%s.%N)
		catchup=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
		[[ -n $why ]] || why=$(check_backup "$v" "$log" 2>&1) || true
		[[ -n $why ]] || outbytes=$(bytes "$(output_of "$v")")
		[[ $v != dbbackup* ]] || paused=$(jq -r '.replica.paused_ms // "null"' "$W/$v.json")
	else
		why=$(check_provision "$v" "$log" 2>&1) || true
		threads_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
		t1=$t2
		a=$(seq_of "$tname") b=$(source_seq "$v")
		[[ ! $a =~ ^[0-9]+$ || ! $b =~ ^[0-9]+$ ]] || backlog=$((a - b))
	fi
	[[ $phase != provision ]] || server_stop "$tname"
	if [[ -n $why ]]; then
		run_fail "$phase" "$round" "$v" "$why"
		return 0
	fi
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	printf '%s\t%s\t%s\tok\t%s\t%s\t%.2f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$phase" "$round" "$v" "$wall" "$threads_s" \
		"$(awk -v a="$s0" -v b="$s1" -v hz="$hz" 'BEGIN { print (b - a) / hz }')" \
		"$outbytes" $((seq1 - seq0)) "$stopped" "$catchup" "$paused" "$backlog" "$procs" >>"$out/runs.tsv"
	printf ' %s %.2fs' "$v" "$wall" >&2
}
# source_seq VARIANT: the primary's sequence number in the GTID position the
# provisioning variant's backup recorded.
source_seq() {
	if [[ $1 == dbrestore ]]; then
		jq -r .replica.gtid_slave_pos "$W/dbbackup.json"
	else
		dump_gtid "$W/dump.sql.gz"
	fi | tr ',' '\n' | awk -F- '$1 == 1 { print $3 }'
}
run_fail() {
	failed[$3]=1
	[[ -z $load_pid ]] || load_stop 2>/dev/null || true
	[[ -z $watch_pid ]] || watch_stop >/dev/null
	[[ $1 != provision || -z $tname ]] || server_stop "$tname"
	printf '%s\t%s\t%s\tFAIL\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\n' "$1" "$2" "$3" >>"$out/runs.tsv"
	printf '\nreplica.sh: FAIL: %s (round %s): %s (see logs/)\n' "$3" "$2" "$4" >&2
	# Leave the replica caught up for the next run.
	caught_up replica 2>/dev/null || true
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
			if [[ -n ${failed[$v]-} || ($name == provision && -n ${failed[${source_of[$v]}]-}) ]]; then
				printf ' %s skipped' "$v" >&2
				continue
			fi
			run "$name" "$r" "$v"
		done
		echo >&2
	done
}

# --- the dataset on the primary, replicated (untimed).
wait_threads "$RSOCK" || die "the replica does not replicate"
DB_SOCKET=$PSOCK "$top/bench/dataset.sh" --scale "$scale" --out "$out" >/dev/null
sql primary 'CREATE TABLE bench.load_tx (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	n INT NOT NULL, at DATETIME(6) NOT NULL, note VARCHAR(100) NOT NULL) ENGINE=InnoDB'
sb_rows=$(awk -F '\t' '$1 == "sbtest1" { print $2 }' "$out/dataset.tsv")
[[ $sb_rows =~ ^[1-9][0-9]*$ ]] || die "no sbtest1 row count in dataset.tsv"
echo "replica.sh: dataset built ($(awk -F '\t' '{ r += $2 } END { print r }' "$out/dataset.tsv") rows); waiting for the replica" >&2
caught_up replica || die "the replica did not catch up with the dataset"
same_data replica "$out/logs/dataset" || die "the replica's data differs from the primary's after the dataset"
sync
flush_on primary
flush_on replica

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
	printf '# variables: RSOCK=%s (the replica) PPORT=%s (the primary) W=%s N=%s\n' "$RSOCK" "$PPORT" "$W" "$N"
	printf '#            DBBACKUP=%s DBRESTORE=%s\n' "$DBBACKUP" "$DBRESTORE"
	echo '#            TSOCK: each new replica'"'"'s socket; W/replpw holds the password of dbk_repl'
	echo '# writes on the primary, 2 s before and during each run, one client fed every 20 ms:'
	echo '#   BEGIN; UPDATE bench.sbtest<i%4+1> SET k = k + 1 WHERE id = <i*7919%rows+1>;'
	echo '#   INSERT INTO bench.load_tx (n, at, note) VALUES (<i>, NOW(6), REPEAT(...)); COMMIT;'
	echo '# backup phase, on the replica:'
	for v in "${backups[@]}"; do
		printf '%-18s %s\n' "$v" "$(plain "${cmd[$v]}")"
	done
	echo '# provisioning phase, into a fresh server (server_start targetK --server-id=100+K'
	echo "#   ${replica_args[*]}), from the backup of the replica its source variant took"
	echo '#   just before (dbrestore: dbbackup; mariadb: mariadb-dump-gzip), under the writes:'
	for v in "${provisions[@]}"; do
		printf '%-18s %s\n' "$v" "$(plain "${cmd[$v]}")"
	done
	echo '# change_master DUMP: gtid = from the line -- SET GLOBAL gtid_slave_pos='"'"'...'"'"'; in the last 30 of the dump (zcat | tail)'
	echo '#   mariadb --no-defaults -uroot --socket="$TSOCK" -e "SET GLOBAL gtid_slave_pos = '"'"'$gtid'"'"';'
	echo '#     CHANGE MASTER TO MASTER_HOST = '"'"'127.0.0.1'"'"', MASTER_PORT = $PPORT, MASTER_USER = '"'"'dbk_repl'"'"','
	echo '#     MASTER_PASSWORD = '"'"'...'"'"', MASTER_USE_GTID = slave_pos; START SLAVE;"'
	echo '# wait_threads SOCKET: SHOW SLAVE STATUS every 0.1 s until Slave_IO_Running and Slave_SQL_Running are Yes'
	echo '# then (timed, to "caught up"): the writes stop; on the new replica'
	echo '#   SELECT MASTER_GTID_WAIT(<the primary'"'"'s @@gtid_binlog_pos>, 600)'
	echo '# checks (untimed), after each run:'
	echo '#   backup:    the replica catches up (MASTER_GTID_WAIT, timed: catchup_s); dbbackup*: jq: .replica.sources has 1,'
	echo '#              .replica.gtid_slave_pos is 1-1-N; "$DBRESTORE" --no-defaults -d "$W/VARIANT" --verify latest;'
	echo '#              dump: gzip -t, last line -- Dump completed, a commented gtid_slave_pos 1-1-N in the last 30 lines;'
	echo '#              mydumper: gzip -t of each file, metadata has SHOW SLAVE STATUS and Finished dump at'
	echo '#   provision: no Last_IO_Error/Last_SQL_Error, both threads Yes; the replica caught up; CHECKSUM TABLE of'
	echo '#              every table outside mysql, information_schema, performance_schema, sys equal to the primary'"'"'s'
} >"$out/commands.txt"
printf 'phase\tround\tvariant\tstatus\twall_s\tthreads_s\tserver_cpu_s\toutput_bytes\tload_tx\tsql_stopped_s\tcatchup_s\tpaused_ms\tbacklog_tx\tprocesses (name wall_s user_s sys_s maxrss_kib; ...)\n' >"$out/runs.tsv"

phase backup "${backups[@]}"
phase provision "${provisions[@]}"

# --- the summary.
{
	echo "replica.sh: dbkit commit $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')," \
		"server $(sql primary 'SELECT VERSION()'), $(nproc) CPUs, $(date -u +%FT%TZ)"
	printf 'peers: %s, gzip %s' "$(mariadb-dump --version | awk '{ print $1, $5 }' | tr -d ,)" \
		"$(gzip --version | awk 'NR == 1 { print $2 }')"
	((have_mydumper)) && printf ', %s' "$(mydumper --version | cut -d, -f1)"
	echo "; load average at start $load0, at end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "dataset: scale $scale, $(awk -F '\t' '{ r += $2 } END { print r }' "$out/dataset.tsv") rows," \
		"replicated from primary to replica; $rounds rounds per phase, $threads threads per tool, order rotated"
	echo "writes: on the primary, one small transaction per 20 ms, from 2 s before each run to its end"
	for note in "${notes[@]}"; do echo "note: $note"; done
	awk -F '\t' -v rounds="$rounds" '
		function median(s,   n, i, j, t, a) {
			n = split(s, a, " ")
			for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		function range(s, f,   n, i, a, lo, hi) {
			n = split(s, a, " "); lo = hi = a[1]
			for (i = 2; i <= n; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
			return sprintf(f "-" f, lo, hi)
		}
		function failed(v) { printf "%-18s FAIL (%d of %d runs ok): no figures, see logs/\n", v, ok[v], ok[v] + fail[v] }
		# ratios A V1 V2: the per-round ratios A[V1, r] / A[V2, r], a list.
		function ratios(a, v1, v2,   r, s) {
			if (fail[v1] || fail[v2]) return ""
			for (r = 1; r <= rounds; r++) if ((v1, r) in a && (v2, r) in a && a[v2, r] > 0) s = s " " a[v1, r] / a[v2, r]
			return s
		}
		# figure LABEL LIST: the median of LIST, and its min-max (how far the
		# rounds disagree) when it has more than one value.
		function figure(label, s,   a) {
			if (s == "") { printf "  %-58s %8s\n", label, "n/a"; return }
			printf "  %-58s %8.2f%s\n", label, median(s), (split(s, a, " ") > 1 ? "  (" range(s, "%.2f") ")" : "")
		}
		NR == 1 { next }
		{
			v = $3; r = $2
			if (!(v in phase)) vo[++nv] = v
			phase[v] = $1
			if ($4 != "ok") { fail[v]++; next }
			ok[v]++; walls[v] = walls[v] " " $5; wall[v, r] = $5; srv[v] = srv[v] " " $7; outs[v] = outs[v] " " $8
			load[v] = load[v] " " $9
			if ($6 != "-") { thr[v] = thr[v] " " $6; thread[v, r] = $6 }
			if ($10 != "-") stop[v] = stop[v] " " $10
			if ($11 != "-") catch[v] = catch[v] " " $11
			if ($12 != "-" && $12 != "null") paused[v] = paused[v] " " $12
			if ($12 == "null") nopause[v]++
			if ($13 != "-") backlog[v] = backlog[v] " " $13
			np = split($14, p, ";"); c = 0
			for (i = 1; i <= np; i++) {
				split(p[i], f, " ")
				c += f[3] + f[4]; if (f[5] + 0 > rss[v]) rss[v] = f[5] + 0
				pk = v SUBSEP f[1]; if (!(pk in pwall)) pord[v] = pord[v] " " f[1]
				pwall[pk] = pwall[pk] " " f[2]; pcpu[pk] = pcpu[pk] " " f[3] + f[4]; if (f[5] + 0 > prss[pk]) prss[pk] = f[5] + 0
			}
			cli[v] = cli[v] " " c; cpu[v, r] = c
		}
		END {
			printf "\n== backup on the replica, the primary under writes (then checked: see commands.txt)\n"
			printf "%-18s %8s %13s %7s %7s %7s %9s %7s %8s %8s %s\n", "variant", "median_s", "min-max", "srv_cpu",
				"cli_cpu", "rss_MiB", "output_MB", "load_tx", "sql_stop", "catchup", "paused_ms (median, min-max)"
			for (i = 1; i <= nv; i++) {
				v = vo[i]
				if (phase[v] != "backup") continue
				if (fail[v]) { failed(v); continue }
				pm = paused[v] != "" ? sprintf("%.0f (%s)", median(paused[v]), range(paused[v], "%.0f")) : (nopause[v] ? "null" : "-")
				printf "%-18s %8.2f %13s %7.2f %7.2f %7.1f %9.1f %7d %8.1f %8.2f %s\n", v, median(walls[v]), range(walls[v], "%.2f"),
					median(srv[v]), median(cli[v]), rss[v] / 1024, median(outs[v]) / 1e6, median(load[v]),
					median(stop[v]), median(catch[v]), pm
			}
			printf "  (sql_stop: s the sampler saw the SQL thread stopped; catchup: s until the replica caught up once the writes stopped)\n"
			printf "\n== new replica from a backup of the replica taken under writes (then checked: CHECKSUM TABLE = the primary'"'"'s)\n"
			printf "%-18s %10s %13s %10s %13s %10s %7s %7s %7s\n", "variant", "threads_s", "min-max", "caught_s", "min-max",
				"backlog_tx", "srv_cpu", "cli_cpu", "rss_MiB"
			for (i = 1; i <= nv; i++) {
				v = vo[i]
				if (phase[v] != "provision") continue
				if (fail[v]) { failed(v); continue }
				printf "%-18s %10.2f %13s %10.2f %13s %10d %7.2f %7.2f %7.1f\n", v, median(thr[v]), range(thr[v], "%.2f"),
					median(walls[v]), range(walls[v], "%.2f"), median(backlog[v]), median(srv[v]), median(cli[v]), rss[v] / 1024
			}
			printf "  (threads_s: from the restore'"'"'s start until IO and SQL threads run; caught_s: until MASTER_GTID_WAIT of the\n"
			printf "   primary'"'"'s position returned, the writes stopped at threads_s; backlog_tx: the primary'"'"'s transactions the new\n"
			printf "   replica applied from its backup'"'"'s GTID position until caught up; srv_cpu: the new replica'"'"'s mariadbd)\n"
			printf "\n== by process (median wall s, median user+sys CPU s, highest peak RSS MiB)\n"
			for (i = 1; i <= nv; i++) {
				v = vo[i]
				if (fail[v]) continue
				np = split(pord[v], p, " ")
				for (j = 1; j <= np; j++)
					printf "%-18s %-12s %7.2f %7.2f %7.1f\n", v, p[j], median(pwall[v, p[j]]), median(pcpu[v, p[j]]), prss[v, p[j]] / 1024
			}
			printf "\n== ratios (medians of the per-round ratios, and their min-max)\n"
			figure("dbbackup / mariadb-dump | gzip, wall", ratios(wall, "dbbackup", "mariadb-dump-gzip"))
			figure("dbbackup / mydumper -c, wall", ratios(wall, "dbbackup", "mydumper-c"))
			figure("dbbackup --replica-pause / dbbackup, wall", ratios(wall, "dbbackup-pause", "dbbackup"))
			figure("dbbackup --replica-pause / mariadb-dump | gzip, wall", ratios(wall, "dbbackup-pause", "mariadb-dump-gzip"))
			figure("dbbackup / mariadb-dump | gzip, client CPU (user+sys)", ratios(cpu, "dbbackup", "mariadb-dump-gzip"))
			figure("dbbackup / mydumper -c, client CPU (user+sys)", ratios(cpu, "dbbackup", "mydumper-c"))
			figure("dbbackup --replica-pause: paused_ms", paused["dbbackup-pause"])
			figure("new replica: dbrestore / mariadb, to both threads running", ratios(thread, "dbrestore", "mariadb"))
			figure("new replica: dbrestore / mariadb, to caught up", ratios(wall, "dbrestore", "mariadb"))
			figure("new replica: dbrestore / mariadb, client CPU (user+sys)", ratios(cpu, "dbrestore", "mariadb"))
		}' "$out/runs.tsv"
} | tee "$out/summary.txt"
cp -p "$W"/dbbackup*.json "$out/" 2>/dev/null || true
echo
echo "replica.sh: results in ${out#"$top"/}/ (summary.txt, runs.tsv, commands.txt, dataset.txt, logs/)"
((${#failed[@]} == 0)) || die "failed: ${!failed[*]} (see above and logs/)"

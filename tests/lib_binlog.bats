#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# lib/binlog, through tests/lib/binlogtest, against a real server writing a
# binary log: the copies are the server's own files where they start at a
# file's start, replay with the stock mariadb-binlog where they start
# inside one, chain without a gap or an overlap, and the server's refusals
# come back as its errors.

# shellcheck disable=SC2154
load helper/common
load helper/binlog

setup_file() {
	server_start src --log-bin=binlog --server-id=7 --binlog-format=ROW
	server_start dst
	# seq_1_to_N: the sequence engine's tables, in a database of their own.
	sql src 'SET SESSION sql_log_bin = 0; CREATE DATABASE seq'
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server src
	OUT=$BATS_TEST_TMPDIR/out
	mkdir -p "$OUT"
}

# coord: the server's position now, "FILE POS".
coord() {
	sql src 'SHOW MASTER STATUS' | cut -f1,2 | tr '\t' ' '
}

# writes N: rows into bl.t in the three logging formats.
writes() {
	binlog_writes src bl "$1"
}

@test "a copy from a file's start is the server's files, byte for byte, and decodes" {
	sql src "FLUSH BINARY LOGS; DROP DATABASE IF EXISTS bl; CREATE DATABASE bl;
		CREATE TABLE bl.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(40),
			b BLOB, d DECIMAL(12,4)) ENGINE=InnoDB"
	read -r from _ <<<"$(coord)"
	writes 50
	sql src 'FLUSH BINARY LOGS'
	writes 20
	sql src 'FLUSH BINARY LOGS'
	writes 10
	read -r to topos <<<"$(coord)"
	run --separate-stderr binlogtest copy "$from" 4 "$to" "$topos" "$OUT"
	assert_success
	[ -z "$stderr" ]
	assert_output --regexp '^files=3 events=[0-9]+ transactions=[0-9]+ bytes=[0-9]+ first=[0-9]+ last=[0-9]+ gtid=0-7-[0-9]+$'
	counts=$output
	[ "${counts##*gtid=}" = "$(sql src 'SELECT @@gtid_binlog_pos')" ]
	files=("$OUT"/*)
	[ "${#files[@]}" -eq 3 ]
	# The counts are mariadb-binlog's: an "# at" a event, a GTID a transaction.
	decoded=$(mariadb-binlog "${files[@]}")
	[[ $counts == *" events=$(grep -c '^# at ' <<<"$decoded") "* ]]
	[[ $counts == *" transactions=$(grep -cE '^#[0-9].*GTID [0-9]+-[0-9]+-[0-9]+' <<<"$decoded") "* ]]
	[[ $counts == *" bytes=$(cat "${files[@]}" | wc -c) "* ]]
	data=$DIR_src/data
	# Closed files are identical; the one being written differs only in
	# its in-use flag (byte 22 of the format description) up to topos.
	for f in "${files[@]:0:2}"; do
		cmp "$f" "$data/${f##*/}"
	done
	[ "${files[2]##*/}" = "$to" ]
	[ "$(stat -c %s "${files[2]}")" -eq "$topos" ]
	run cmp -l "${files[2]}" <(head -c "$topos" "$data/$to")
	assert_output --regexp '^ *22 +0 +1$'
	for f in "${files[@]}"; do
		mariadb-binlog --verify-binlog-checksum "$f" >/dev/null
		run --separate-stderr binlogtest read "$f"
		assert_success
	done
	assert_output --regexp "^events=[0-9]+ first=4 last=$topos\$"
}

@test "a copy from inside a file starts at that event and replays onto the state of that moment" {
	sql src "DROP DATABASE IF EXISTS bl; CREATE DATABASE bl;
		CREATE TABLE bl.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(40),
			b BLOB, d DECIMAL(12,4)) ENGINE=InnoDB"
	writes 30
	sql src 'FLUSH BINARY LOGS'
	writes 5
	# The state at from goes to dst the way a full backup would take it.
	read -r from frompos <<<"$(coord)"
	mariadb-dump --no-defaults -uroot -S "$SOCK_src" --databases bl |
		mariadb --no-defaults -uroot -S "$SOCK_dst"
	writes 40
	sql src 'CREATE TEMPORARY TABLE bl.tmp (x INT); INSERT INTO bl.tmp VALUES (1);
		INSERT INTO bl.t (v) SELECT CONCAT("tmp ", x) FROM bl.tmp'
	read -r to topos <<<"$(coord)"
	[ "$from" = "$to" ]
	run --separate-stderr binlogtest copy "$from" "$frompos" "$to" "$topos" "$OUT"
	assert_success
	assert_output --regexp '^files=1 events=[0-9]+ transactions=[0-9]+ '
	run --separate-stderr binlogtest read "$OUT/$from"
	assert_success
	assert_output --regexp "^events=[0-9]+ first=$frompos last=$topos\$"
	mariadb-binlog --verify-binlog-checksum "$OUT/$from" |
		mariadb --no-defaults -uroot -S "$SOCK_dst"
	[ "$(sql dst 'CHECKSUM TABLE bl.t' | cut -f2)" = "$(sql src 'CHECKSUM TABLE bl.t' | cut -f2)" ]
	[ "$(sql dst 'SELECT COUNT(*) FROM bl.t')" = "$(sql src 'SELECT COUNT(*) FROM bl.t')" ]
	sql dst 'DROP DATABASE bl'
}

@test "two copies that meet at a position hold the events of one copy, none twice" {
	read -r f0 p0 <<<"$(coord)"
	writes 5
	read -r f1 p1 <<<"$(coord)"
	sql src 'FLUSH BINARY LOGS'
	writes 5
	read -r f2 p2 <<<"$(coord)"
	mkdir "$OUT/a" "$OUT/b" "$OUT/all"
	run binlogtest copy "$f0" "$p0" "$f1" "$p1" "$OUT/a"
	assert_success
	a=$(sed 's/.*events=\([0-9]*\).*/\1/' <<<"$output")
	run binlogtest copy "$f1" "$p1" "$f2" "$p2" "$OUT/b"
	assert_success
	b=$(sed 's/.*events=\([0-9]*\).*/\1/' <<<"$output")
	run binlogtest copy "$f0" "$p0" "$f2" "$p2" "$OUT/all"
	assert_success
	all=$(sed 's/.*events=\([0-9]*\).*/\1/' <<<"$output")
	((a > 0 && b > 0))
	[ "$((a + b))" -eq "$all" ]
	run binlogtest read "$OUT/a/$f1"
	assert_output --regexp "last=$p1\$"
	run binlogtest read "$OUT/b/$f1"
	assert_output --regexp "^events=[0-9]+ first=$p1 "
}

@test "nothing written since: the copy is empty" {
	read -r f p <<<"$(coord)"
	run --separate-stderr binlogtest copy "$f" "$p" "$f" "$p" "$OUT"
	assert_success
	assert_output 'files=0 events=0 transactions=0 bytes=0 first=0 last=0 gtid=none'
	[ -z "$(ls -A "$OUT")" ]
}

@test "a purged log, a position inside an event and a missing privilege are the server's refusals" {
	read -r old _ <<<"$(coord)"
	writes 2
	sql src 'FLUSH BINARY LOGS'
	read -r f p <<<"$(coord)"
	binlog_purge_to src "$f"
	[ -z "$(sql src 'SHOW BINARY LOGS' | grep -F "$old")" ]
	run --separate-stderr binlogtest copy "$old" 4 "$f" "$p" "$OUT"
	assert_failure 1
	assert_line 'errno=1236'
	assert_line --regexp '^error: binary log: .*'
	writes 2
	read -r f p <<<"$(coord)"
	run --separate-stderr binlogtest copy "$f" 5 "$f" "$p" "$OUT"
	assert_failure 1
	assert_line 'errno=1236'
	sql src "CREATE USER IF NOT EXISTS bl_noslave@localhost IDENTIFIED BY 'pw';
		GRANT SELECT ON *.* TO bl_noslave@localhost"
	DB_USER=bl_noslave DB_PASSWORD=pw run --separate-stderr \
		binlogtest copy "$f" 4 "$f" "$p" "$OUT"
	assert_failure 1
	assert_line 'errno=1227'
	sql src "GRANT REPLICATION SLAVE ON *.* TO bl_noslave@localhost"
	DB_USER=bl_noslave DB_PASSWORD=pw run --separate-stderr \
		binlogtest copy "$f" 4 "$f" "$p" "$OUT"
	assert_success
}

@test "a flipped byte in a copied file fails its checksum" {
	read -r f p <<<"$(coord)"
	writes 3
	read -r t tp <<<"$(coord)"
	run binlogtest copy "$f" "$p" "$t" "$tp" "$OUT"
	assert_success
	file=$OUT/$t
	run binlogtest read "$file"
	assert_success
	size=$(stat -c %s "$file")
	printf '\x55' | dd of="$file" bs=1 seek=$((size - 40)) conv=notrunc status=none
	run binlogtest read "$file"
	assert_failure 1
	assert_output --regexp "^error: $file: the event at byte [0-9]+ has a bad checksum\$"
	head -c $((size - 10)) "$file" >"$file.short"
	run binlogtest read "$file.short"
	assert_failure 1
	assert_output --regexp "^error: $file.short: a truncated event at byte [0-9]+\$"
}

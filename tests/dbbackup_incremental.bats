#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# dbbackup incremental against a real server writing a binary log: the
# first run on an empty catalogue becomes a full backup, each incremental
# holds the binlog from its parent's end to the server's position when it
# started, and a full backup restored with dbrestore plus the chain's
# binlog files replayed with the stock mariadb-binlog gives the source's
# tables back.  Then every refusal: each one line, exit 1, nothing left
# that looks like a backup.

# shellcheck disable=SC2154
load helper/common

setup_file() {
	server_start src --log-bin=binlog --server-id=11 --binlog-format=ROW
	server_start dst
	sql src "SET SESSION sql_log_bin = 0; CREATE DATABASE seq;
		CREATE USER bk_nomon@localhost IDENTIFIED BY 'pw';
		GRANT SELECT, RELOAD, SHOW VIEW, TRIGGER, EVENT ON *.* TO bk_nomon@localhost;
		CREATE USER bk_noslave@localhost IDENTIFIED BY 'pw';
		GRANT SELECT, RELOAD, SHOW VIEW, TRIGGER, EVENT, BINLOG MONITOR ON *.* TO bk_noslave@localhost"
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server src
	export DB_BACKUP_PATH=$BATS_TEST_TMPDIR/catalogue
	sql src "DROP DATABASE IF EXISTS inc; CREATE DATABASE inc;
		CREATE TABLE inc.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(40),
			b BLOB, d DECIMAL(12,4)) ENGINE=InnoDB;
		CREATE TABLE inc.log (id INT AUTO_INCREMENT PRIMARY KEY, at VARCHAR(20))"
}

# writes N: rows in the three logging formats, updates and deletes.
writes() {
	local fmt
	for fmt in ROW STATEMENT MIXED; do
		sql src "SET SESSION binlog_format = $fmt;
			INSERT INTO inc.t (v, b, d) SELECT CONCAT('zé ', seq, ' $fmt'),
				REPEAT(UNHEX('00FF'), seq), seq / 7 FROM seq.seq_1_to_$1;
			UPDATE inc.t SET d = d + 1 WHERE id % 3 = 0;
			DELETE FROM inc.t WHERE id % 11 = 0"
	done
}

# purge_to FILE: purges the binary logs before FILE; a dump thread still
# ending or a binlog checkpoint not yet written holds a file a moment.
purge_to() {
	for _ in {1..100}; do
		sql src "PURGE BINARY LOGS TO '$1'"
		[ "$(sql src 'SHOW BINARY LOGS' | head -1 | cut -f1)" = "$1" ] && return
		sleep 0.1
	done
	fail "PURGE BINARY LOGS TO '$1' left: $(sql src 'SHOW BINARY LOGS')"
}

# manifest ID: the manifest of a backup in the catalogue.
manifest() {
	cat "$DB_BACKUP_PATH/$1/manifest.json"
}

# sums SERVER: every table of inc with its CHECKSUM TABLE.
sums() {
	sql "$1" 'CHECKSUM TABLE inc.t, inc.log'
}

# replay ID: the binlog files of incremental ID, in order, into dst.
replay() {
	local f
	while read -r f; do
		zcat "$DB_BACKUP_PATH/$1/$f" >"$BATS_TEST_TMPDIR/replay.bin"
		mariadb-binlog "$BATS_TEST_TMPDIR/replay.bin" |
			mariadb --no-defaults -uroot -S "$SOCK_dst"
	done < <(manifest "$1" | jq -r '.binlog.files[].file')
}

@test "on an empty catalogue an incremental is a full backup and says so; --no-promote refuses" {
	run --separate-stderr dbbackup --no-promote incremental
	assert_failure 1
	[ "$stderr" = "dbbackup: no full backup in $DB_BACKUP_PATH to continue (--no-promote): take a full backup first" ]
	[ -z "$(ls "$DB_BACKUP_PATH")" ]
	run --separate-stderr dbbackup --json incremental
	assert_success
	[ "$stderr" = "dbbackup: no full backup in $DB_BACKUP_PATH to continue: taking a full backup instead" ]
	[ "$(jq -r .type <<<"$output")" = full ]
	id=$(jq -r .id <<<"$output")
	[[ $id == *-full || $id == *-full-[0-9]* ]]
	[ "$(manifest "$id" | jq -r .snapshot.binlog_file)" != null ]
	run dbbackup incremental foo
	assert_failure 2
	assert_output "dbbackup: incremental: copies the whole server's binary log; no databases or --exclude
Try 'dbbackup --help' for more information."
}

@test "a chain of incrementals, each from its parent's end, restores with mariadb-binlog to the source's tables" {
	writes 20
	run --separate-stderr dbbackup --json full
	assert_success
	full=$(jq -r .id <<<"$output")
	writes 30
	sql src 'CREATE TEMPORARY TABLE inc.tmp (x INT); INSERT INTO inc.tmp VALUES (7);
		INSERT INTO inc.log (at) SELECT CONCAT("first ", x) FROM inc.tmp'
	read -r file pos _ <<<"$(sql src 'SHOW MASTER STATUS')"
	run --separate-stderr dbbackup --json incremental
	assert_success
	[ -z "$stderr" ]
	one=$(jq -r .id <<<"$output")
	[[ $one == *-incremental || $one == *-incremental-[0-9]* ]]
	[ "$(jq -r .parent <<<"$output")" = "$full" ]
	(($(jq -r .transactions <<<"$output") >= 4))
	m=$(manifest "$one")
	[ "$(jq -r .format_version <<<"$m")" = 2 ]
	[ "$(jq -r .parent <<<"$m")" = "$full" ]
	[ "$(jq -c .binlog.start <<<"$m")" = "$(manifest "$full" | jq -c '.snapshot | {file: .binlog_file, position: .binlog_position, gtid}')" ]
	[ "$(jq -r '.binlog.end | "\(.file) \(.position)"' <<<"$m")" = "$file $pos" ]
	[ "$(jq -c '.binlog.end | {binlog_file: .file, binlog_position: .position, gtid}' <<<"$m")" = "$(jq -c '.snapshot | del(.method)' <<<"$m")" ]
	[ "$(jq -r .snapshot.method <<<"$m")" = binlog ]
	[ "$(stat -c %a "$DB_BACKUP_PATH/$one")" = 700 ]
	for f in $(jq -r '.binlog.files[].file' <<<"$m"); do
		[ "$(stat -c %a "$DB_BACKUP_PATH/$one/$f")" = 600 ]
	done
	# The second one: more files, and the temporary table lives on.
	sql src 'FLUSH BINARY LOGS'
	writes 10
	sql src 'FLUSH BINARY LOGS'
	writes 5
	run --separate-stderr dbbackup --json incremental
	assert_success
	two=$(jq -r .id <<<"$output")
	[ "$(jq -r .parent <<<"$output")" = "$one" ]
	[ "$(manifest "$two" | jq -c .binlog.start)" = "$(jq -c .binlog.end <<<"$m")" ]
	[ "$(manifest "$two" | jq '.binlog.files | length')" = 3 ]
	run --separate-stderr dbrestore --verify "$two"
	assert_success
	# The full through dbrestore, the chain through the stock tools.
	cat=$DB_BACKUP_PATH
	use_server dst
	export DB_BACKUP_PATH=$cat
	sql dst 'DROP DATABASE IF EXISTS inc'
	run --separate-stderr dbrestore "$full"
	[ "$status" -eq 0 ] || fail "$stderr"
	replay "$one"
	replay "$two"
	[ "$(sums dst)" = "$(sums src)" ]
	[ "$(sql dst 'SELECT at FROM inc.log')" = "first 7" ]
	sql dst 'DROP DATABASE inc'
}

@test "writes during an incremental stop at the position it started at" {
	dbbackup full >/dev/null
	(
		for i in $(seq 1 60); do
			sql src "INSERT INTO inc.log (at) VALUES ('w $i')"
		done
	) &
	writer=$!
	sleep 0.3
	run --separate-stderr dbbackup --json incremental
	wait "$writer"
	assert_success
	id=$(jq -r .id <<<"$output")
	m=$(manifest "$id")
	last=$(jq -r '.binlog.files[-1].file' <<<"$m")
	zcat "$DB_BACKUP_PATH/$id/$last" >"$BATS_TEST_TMPDIR/last.bin"
	run binlogtest read "$BATS_TEST_TMPDIR/last.bin"
	assert_success
	assert_output --regexp "last=$(jq -r .binlog.end.position <<<"$m")\$"
	# What came after is the next incremental's, not lost.
	run --separate-stderr dbbackup --json incremental
	assert_success
	[ "$(manifest "$(jq -r .id <<<"$output")" | jq -c .binlog.start)" = "$(jq -c .binlog.end <<<"$m")" ]
}

@test "the privileges the copy needs are named" {
	dbbackup full >/dev/null
	writes 2
	DB_USER=bk_nomon DB_PASSWORD=pw run --separate-stderr dbbackup incremental
	assert_failure 1
	[ "$stderr" = "dbbackup: SHOW MASTER STATUS needs the BINLOG MONITOR privilege (GRANT BINLOG MONITOR ON *.* TO the backup user)" ]
	DB_USER=bk_noslave DB_PASSWORD=pw run --separate-stderr dbbackup incremental
	assert_failure 1
	[ "$stderr" = "dbbackup: copying the binary log needs the REPLICATION SLAVE privilege (GRANT REPLICATION SLAVE ON *.* TO the backup user)" ]
	[ "$(ls "$DB_BACKUP_PATH" | grep -c -v -- -full)" -eq 0 ]
}

@test "a damaged parent, a parent without a position and another server's chain are refused" {
	dbbackup full >/dev/null
	writes 2
	run --separate-stderr dbbackup --json incremental
	assert_success
	one=$(jq -r .id <<<"$output")
	f=$(manifest "$one" | jq -r '.binlog.files[0].file')
	printf 'x' >>"$DB_BACKUP_PATH/$one/$f"
	run --separate-stderr dbbackup incremental
	assert_failure 1
	[ "$stderr" = "dbbackup: the newest backup, $one, is damaged ($f: missing, or not the size the manifest lists): an incremental cannot continue it; take a full backup" ]
	echo '{' >"$DB_BACKUP_PATH/$one/manifest.json"
	run --separate-stderr dbbackup incremental
	assert_failure 1
	[[ $stderr == "dbbackup: the newest backup, $one, is damaged ("*"): an incremental cannot continue it; take a full backup" ]]
	rm -r "${DB_BACKUP_PATH:?}/$one"
	# Another server's full: dst has no binary log, then a fake server_id.
	DB_SOCKET=$SOCK_dst dbbackup full >/dev/null
	run --separate-stderr dbbackup incremental
	assert_failure 1
	[[ $stderr == "dbbackup: "*"-full"*" has no binary log position (the binary log was off when it was taken): take a full backup" ]]
	newest=$(dbbackup --json full | jq -r .id)
	jq '.server.server_id = 99' "$DB_BACKUP_PATH/$newest/manifest.json" >"$BATS_TEST_TMPDIR/m"
	cp "$BATS_TEST_TMPDIR/m" "$DB_BACKUP_PATH/$newest/manifest.json"
	run --separate-stderr dbbackup incremental
	assert_failure 1
	[[ $stderr == "dbbackup: $newest is a backup of another server (server_id 99, binary log binlog), this is server_id 11 (binlog): an incremental never continues another server's chain; keep one catalogue per server, or take a full backup" ]]
	[ -z "$(ls "$DB_BACKUP_PATH" | grep -e incremental -e partial)" ]
	# On a server without a binary log, the binary log is the reason.
	DB_SOCKET=$SOCK_dst run --separate-stderr dbbackup incremental
	assert_failure 1
	[ "$stderr" = "dbbackup: the binary log is off (log_bin): an incremental backup copies it; start the server with --log-bin and take a full backup" ]
}

@test "dbrestore verifies an incremental and refuses to restore it alone" {
	dbbackup full >/dev/null
	writes 2
	id=$(dbbackup --json incremental | jq -r .id)
	run --separate-stderr dbrestore --verify "$id"
	assert_success
	run --separate-stderr dbrestore "$id"
	assert_failure 2
	[[ $stderr == "dbrestore: $id is an incremental backup, which this dbrestore cannot replay yet: "* ]]
}

# Last: these change the server's binary log for good.
@test "a purged or reset binary log is refused: take a full backup" {
	dbbackup full >/dev/null
	writes 2
	sql src 'FLUSH BINARY LOGS'
	read -r file _ <<<"$(sql src 'SHOW MASTER STATUS')"
	purge_to "$file"
	run --separate-stderr dbbackup incremental
	assert_failure 1
	[[ $stderr == "dbbackup: the binary log binlog."*", where "*"-full ended, has been purged from the server: take a full backup (and keep binary logs for longer than the time between two incrementals)" ]]
	dbbackup full >/dev/null
	writes 2
	sql src 'RESET MASTER'
	writes 1
	run --separate-stderr dbbackup incremental
	assert_failure 1
	[[ $stderr == "dbbackup: "*"it was reset"*"take a full backup" ]]
	[ -z "$(ls "$DB_BACKUP_PATH" | grep -e incremental -e partial)" ]
}

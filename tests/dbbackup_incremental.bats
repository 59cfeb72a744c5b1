#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# dbbackup incremental against a real server writing a binary log: the
# first run on an empty catalogue becomes a full backup, each incremental
# holds the binlog from its parent's end to the server's position when it
# started, and a full backup restored with dbrestore plus the chain's
# binlog files replayed with the stock mariadb-binlog gives the source's
# tables back; so does dbrestore of the chain, and to a point in time.
# Then every refusal: each one line, exit 1, nothing left that looks like
# a backup.

# shellcheck disable=SC2154
load helper/common
load helper/binlog

setup_file() {
	server_start src --log-bin=binlog --server-id=11 --binlog-format=ROW
	server_start dst
	server_start strict --log-bin=binlog --server-id=21 --gtid-strict-mode=ON
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

# writes N: rows into inc.t in the three logging formats.
writes() {
	binlog_writes src inc "$1"
}

# last_line_of TEXT: the last line a progress report left, unpadded.
last_line_of() {
	printf '%s' "$1" | tr '\r' '\n' | grep . | tail -n 1 | sed 's/ *$//'
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
	[ "$(jq -c '.binlog.end | {binlog_file: .file, binlog_position: .position, gtid}' <<<"$m")" = "$(jq -c '.snapshot | del(.method, .replica)' <<<"$m")" ]
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
	run --separate-stderr dbbackup --json --progress incremental
	assert_success
	two=$(jq -r .id <<<"$output")
	[ "$(jq -r .parent <<<"$output")" = "$one" ]
	[ "$(manifest "$two" | jq -c .binlog.start)" = "$(jq -c .binlog.end <<<"$m")" ]
	[ "$(manifest "$two" | jq '.binlog.files | length')" = 3 ]
	# Its progress counts files and ends with the bytes copied.
	mb=$(cd "$DB_BACKUP_PATH/$two" && manifest "$two" | jq -r '.binlog.files[].file' |
		xargs zcat | wc -c | awk '{ printf "%.1f", $1 / 1e6 }')
	run last_line_of "$stderr"
	assert_output --regexp "^dbbackup: 3/3 files, ${mb//./\\.} MB, [0-9.]+ MB/s in [0-9.]+ s\$"
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

# to_dst: the tests that restore into dst keep the catalogue.
to_dst() {
	local cat=$DB_BACKUP_PATH
	use_server dst
	export DB_BACKUP_PATH=$cat
	sql dst 'DROP DATABASE IF EXISTS inc; DROP DATABASE IF EXISTS seq'
}

@test "dbrestore of an incremental restores its full backup and replays the chain, in one session" {
	writes 10
	full=$(dbbackup --json full | jq -r .id)
	writes 20
	# A temporary table from one incremental used in the next.
	sql src 'CREATE TEMPORARY TABLE inc.tmp (x INT); INSERT INTO inc.tmp VALUES (41);
		INSERT INTO inc.log (at) SELECT CONCAT("a ", x) FROM inc.tmp'
	one=$(dbbackup --json incremental | jq -r .id)
	sql src 'FLUSH BINARY LOGS'
	writes 5
	sql src 'FLUSH BINARY LOGS'
	sql src 'DROP TABLE IF EXISTS inc.gone; CREATE TABLE inc.gone (a INT); INSERT INTO inc.gone VALUES (1)'
	two=$(dbbackup --json incremental | jq -r .id)
	want=$(sums src)
	run --separate-stderr dbbackup list
	assert_success
	assert_line --regexp "^chain $full: 2 incrementals to $two, restorable from [0-9TZ:-]+ to [0-9TZ:-]+\$"
	run --separate-stderr dbbackup --json list
	[ "$(jq -c '.chains[0] | [.full, .newest, .incrementals]' <<<"$output")" = "[\"$full\",\"$two\",2]" ]
	run --separate-stderr dbrestore --verify "$two"
	assert_success
	assert_line "chain of $two: 2 incrementals verified, every event's checksum OK"
	# dbhealth: the newest backup is the incremental, the newest full is $full.
	run --separate-stderr dbhealth --json --backup-path "$DB_BACKUP_PATH" -w newest_backup_age=1h
	# The server's own checks (a buffer pool still warming up) may warn:
	# the catalogue's target is what this test is about.
	[ "$status" -le 1 ]
	[ "$(jq -r '.targets[] | select(.name == "backups") | .status' <<<"$output")" = ok ]
	[[ $(check_field backups newest_backup_age message) == "$two, "*" old" ]]
	[[ $(check_field backups backup_age message) == "$full, "*" old" ]]
	to_dst
	run --separate-stderr dbrestore --json "$two"
	assert_success
	[ -z "$stderr" ]
	[ "$(jq -r .id <<<"$output")" = "$full" ]
	[ "$(jq -r .replay.backup <<<"$output")" = "$two" ]
	[ "$(jq -r .replay.incrementals <<<"$output")" = 2 ]
	[ "$(jq -r .replay.stopped_before <<<"$output")" = null ]
	[ "$(jq -r .replay.last_event.gtid <<<"$output")" = "$(manifest "$two" | jq -r .binlog.end.gtid)" ]
	[ "$(jq -r .replay.last_event.position <<<"$output")" = "$(manifest "$two" | jq -r .binlog.end.position)" ]
	[ "$(sums dst)" = "$want" ]
	[ "$(sql dst 'SELECT COUNT(*) FROM inc.gone')" = 1 ]
	# Restoring again over it: the full's tables exist.
	run --separate-stderr dbrestore "$two"
	assert_failure
	# The same as plain SQL, for a stock client in one session.
	sql dst 'DROP DATABASE inc; DROP DATABASE seq'
	dbrestore --sql "$two" >"$BATS_TEST_TMPDIR/chain.sql"
	mariadb --no-defaults -uroot -S "$SOCK_dst" <"$BATS_TEST_TMPDIR/chain.sql"
	[ "$(sums dst)" = "$want" ]
	sql dst 'DROP DATABASE inc'
}

@test "an event that fails stops the replay, naming its file, end position and GTID" {
	dbbackup full >/dev/null
	sql src "INSERT INTO inc.log (at) VALUES ('before')"
	sql src 'CREATE TABLE inc.clash (a INT)'
	gtid=$(sql src 'SELECT @@gtid_binlog_pos')
	read -r file pos _ < <(sql src 'SHOW MASTER STATUS')
	sql src "INSERT INTO inc.log (at) VALUES ('after')"
	id=$(dbbackup --json incremental | jq -r .id)
	to_dst
	sql dst 'CREATE DATABASE inc; CREATE TABLE inc.clash (a INT)'
	run --separate-stderr dbrestore "$id"
	assert_failure 1
	[ "$stderr" = "dbrestore: replaying $id: $file, the event ending at $pos (GTID $gtid): Table 'clash' already exists" ]
	[ "$(sql dst 'SELECT GROUP_CONCAT(at ORDER BY id) FROM inc.log')" = before ]
	sql dst 'DROP DATABASE inc'
}

@test "--until a time, --until-gtid of a DROP TABLE with --exclusive, and --until-position" {
	dbbackup full >/dev/null
	sql src "INSERT INTO inc.log (at) VALUES ('before')"
	sleep 1.1
	t=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	sleep 1.1
	sql src "INSERT INTO inc.log (at) VALUES ('after')"
	sql src 'CREATE TABLE inc.precious (a INT); INSERT INTO inc.precious SELECT seq FROM seq.seq_1_to_100'
	sql src 'DROP TABLE inc.precious'
	drop=$(sql src 'SELECT @@gtid_binlog_pos')
	sql src "INSERT INTO inc.log (at) VALUES ('later')"
	id=$(dbbackup --json incremental | jq -r .id)
	# Finding the moment: the drop, its GTID and where it ends.
	run --separate-stderr dbrestore --events --grep 'drop table' "$id"
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	assert_output --regexp "^[0-9T:Z-]+ $drop binlog\.[0-9]+:[0-9]+ - DROP TABLE"
	run --separate-stderr dbrestore --events -D inc "$id"
	assert_success
	assert_line --partial "INSERT INTO inc.log (at) VALUES ('later')"
	assert_line --partial "INSERT INTO inc.precious SELECT seq FROM seq.seq_1_to_100"
	run --separate-stderr dbrestore --events -D nothing "$id"
	assert_success
	[ -z "$output" ]
	to_dst
	run --separate-stderr dbrestore --json --until "$t" "$id"
	assert_success
	[ "$(sql dst 'SELECT GROUP_CONCAT(at) FROM inc.log')" = before ]
	(($(jq -r .replay.transactions <<<"$output") >= 1))
	sql dst 'DROP DATABASE inc'
	# The same time in another zone is the same moment.
	local_t=$(date -u -d "$t" +%Y-%m-%dT%H:%M:%S)
	run --separate-stderr dbrestore --until "$local_t" "$id"
	assert_failure 2
	[[ $stderr == "dbrestore: --until: not an RFC 3339 time with a zone"* ]]
	plus=$(TZ=Etc/GMT-2 date -d "$t" +%Y-%m-%dT%H:%M:%S+02:00)
	run --separate-stderr dbrestore --until "$plus" "$id"
	assert_success
	[ "$(sql dst 'SELECT GROUP_CONCAT(at) FROM inc.log')" = before ]
	sql dst 'DROP DATABASE inc'
	# The drop, named by its GTID, undone: every row written before it.
	run --separate-stderr dbrestore --until-gtid "$drop" --exclusive "$id"
	assert_success
	assert_line --partial "stopped before GTID $drop"
	[ "$(sql dst 'SELECT COUNT(*), SUM(a) FROM inc.precious')" = "100	5050" ]
	[ "$(sql dst 'SELECT GROUP_CONCAT(at ORDER BY id) FROM inc.log')" = "before,after" ]
	sql dst 'DROP DATABASE inc; DROP DATABASE seq'
	# The same through --sql and a stock client.
	dbrestore --sql --until-gtid "$drop" --exclusive "$id" |
		mariadb --no-defaults -uroot -S "$SOCK_dst"
	[ "$(sql dst 'SELECT COUNT(*), SUM(a) FROM inc.precious')" = "100	5050" ]
	[ "$(sql dst 'SELECT GROUP_CONCAT(at ORDER BY id) FROM inc.log')" = "before,after" ]
	sql dst 'DROP DATABASE inc; DROP DATABASE seq'
	# Without --exclusive, the drop is applied, and nothing after it.
	run --separate-stderr dbrestore --json --until-gtid "$drop" "$id"
	assert_success
	[ "$(jq -r .replay.last_event.gtid <<<"$output")" = "$drop" ]
	[ -z "$(sql dst "SHOW TABLES FROM inc LIKE 'precious'")" ]
	[ "$(sql dst 'SELECT GROUP_CONCAT(at ORDER BY id) FROM inc.log')" = "before,after" ]
	sql dst 'DROP DATABASE inc'
	# The position of the drop, as the manifest's coordinates count.
	end=$(jq -r .replay.last_event.position <<<"$output")
	file=$(jq -r .replay.last_event.file <<<"$output")
	run --separate-stderr dbrestore --until-position "$file:$end" "$id"
	assert_success
	[ -z "$(sql dst "SHOW TABLES FROM inc LIKE 'precious'")" ]
	[ "$(sql dst 'SELECT GROUP_CONCAT(at ORDER BY id) FROM inc.log')" = "before,after" ]
	sql dst 'DROP DATABASE inc'
}

@test "--database and --table with a chain replay only what they select: row events by table, statements by database" {
	sql src "DROP DATABASE IF EXISTS other; CREATE DATABASE other;
		CREATE TABLE other.orders (id INT AUTO_INCREMENT PRIMARY KEY, x VARCHAR(20));
		CREATE TRIGGER inc.t_ai AFTER INSERT ON inc.t FOR EACH ROW
			INSERT INTO other.orders (x) VALUES (CONCAT('t', NEW.id))"
	full=$(dbbackup --json full | jq -r .id)
	# Row events: one statement whose rows events change inc.t, then
	# (its trigger) other.orders; one UPDATE of both tables.
	sql src "INSERT INTO inc.t (v) VALUES ('r1'), ('r2');
		INSERT INTO inc.log (at) VALUES ('row');
		INSERT INTO other.orders (x) VALUES ('o1');
		UPDATE inc.log l, other.orders o SET l.at = 'both', o.x = 'both'
			WHERE l.at = 'row' AND o.x = 'o1'"
	# Statements, by their default database; without one, by the
	# databases they qualify names with.
	sql src "SET SESSION binlog_format = STATEMENT; USE inc;
		INSERT INTO log (at) VALUES ('stmt-inc');
		USE other; INSERT INTO orders (x) VALUES ('stmt-other');
		CREATE TABLE scratch (a INT)"
	sql src "SET SESSION binlog_format = STATEMENT;
		INSERT INTO inc.log (at) VALUES ('no-db');
		INSERT INTO \`other\`.orders (x) VALUES ('no-db')"
	id=$(dbbackup --json incremental | jq -r .id)
	want_t=$(sql src 'CHECKSUM TABLE inc.t')
	want_orders=$(sql src 'CHECKSUM TABLE other.orders')
	run --separate-stderr dbrestore --events --table other.orders "$id"
	assert_success
	assert_line --regexp "^[0-9T:Z-]+ [0-9-]+ binlog\.[0-9]+:[0-9]+ other INSERT INTO inc\.t \(v\) VALUES \('r1'\), \('r2'\)\$"
	assert_line --partial " other INSERT INTO orders (x) VALUES ('stmt-other')"
	refute_output --partial scratch
	refute_output --partial "VALUES ('row')"
	to_dst
	sql dst 'DROP DATABASE IF EXISTS other'
	# --database inc: the rows of inc's tables, not those of other.orders
	# in the same statements.
	run --separate-stderr dbrestore --json -D inc "$id"
	assert_success
	[ -z "$stderr" ]
	[ "$(sql dst 'CHECKSUM TABLE inc.t')" = "$want_t" ]
	[ "$(sql dst 'SELECT GROUP_CONCAT(at ORDER BY id) FROM inc.log')" = "both,stmt-inc,no-db" ]
	[ -z "$(sql dst "SHOW DATABASES LIKE 'other'")" ]
	sql dst 'DROP DATABASE inc'
	# The same as SQL for a stock client.
	dbrestore --sql -D inc "$id" 2>/dev/null | mariadb --no-defaults -uroot -S "$SOCK_dst"
	[ "$(sql dst 'CHECKSUM TABLE inc.t')" = "$want_t" ]
	[ "$(sql dst 'SELECT GROUP_CONCAT(at ORDER BY id) FROM inc.log')" = "both,stmt-inc,no-db" ]
	sql dst 'DROP DATABASE inc'
	# --table other.orders: its rows from the trigger (the statement's
	# first table not selected), the UPDATE, the statements naming it;
	# not other.scratch, not inc.
	run --separate-stderr dbrestore --table other.orders "$id"
	assert_success
	[ "$(sql dst 'CHECKSUM TABLE other.orders')" = "$want_orders" ]
	[ "$(sql dst 'SELECT GROUP_CONCAT(x ORDER BY id) FROM other.orders')" = "t1,t2,both,stmt-other,no-db" ]
	[ "$(sql dst 'SHOW TABLES FROM other')" = orders ]
	[ -z "$(sql dst "SHOW DATABASES LIKE 'inc'")" ]
	sql dst 'DROP DATABASE other'
	sql src 'DROP DATABASE other'
	# --into does not rename what the binary log names.
	run --separate-stderr dbrestore -D inc --into elsewhere "$id"
	assert_failure
	[[ $stderr == "dbrestore: $id is an incremental backup: --into does not apply to binary logs"* ]]
}

@test "a target outside the chain, a broken chain and a flipped byte are refused before the server is touched" {
	full=$(dbbackup --json full | jq -r .id)
	writes 3
	one=$(dbbackup --json incremental | jq -r .id)
	writes 3
	two=$(dbbackup --json incremental | jq -r .id)
	to_dst
	run --separate-stderr dbrestore --until 2001-01-01T00:00:00Z "$two"
	assert_failure 2
	[[ $stderr == "dbrestore: --until 2001-01-01T00:00:00Z is outside what the chain of $two covers: "*" to "* ]]
	run --separate-stderr dbrestore --until-gtid 0-11-999999 "$two"
	assert_failure 2
	[[ $stderr == "dbrestore: GTID 0-11-999999 is not in the chain of $two, which goes from "* ]]
	run --separate-stderr dbrestore --until "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$full"
	assert_failure 2
	[[ $stderr == "dbrestore: $full is not an incremental backup: --until replays"* ]]
	# A flipped byte inside a binlog file of the middle incremental.
	f=$DB_BACKUP_PATH/$one/$(manifest "$one" | jq -r '.binlog.files[0].file')
	cp "$f" "$BATS_TEST_TMPDIR/saved"
	zcat "$f" >"$BATS_TEST_TMPDIR/raw"
	size=$(stat -c %s "$BATS_TEST_TMPDIR/raw")
	printf '\x55' | dd of="$BATS_TEST_TMPDIR/raw" bs=1 seek=$((size - 30)) conv=notrunc status=none
	gzip -c "$BATS_TEST_TMPDIR/raw" >"$f"
	# The manifest agrees with the damaged file: only the event CRC can tell.
	sum=$(sha256sum "$f" | cut -d' ' -f1)
	bytes=$(stat -c %s "$f")
	rel=$(manifest "$one" | jq -r '.binlog.files[0].file')
	jq --arg p "$rel" --arg s "$sum" --argjson b "$bytes" \
		'(.files[] | select(.path == $p)) |= (.sha256 = $s | .size_bytes = $b)' \
		"$DB_BACKUP_PATH/$one/manifest.json" >"$BATS_TEST_TMPDIR/m"
	cp "$BATS_TEST_TMPDIR/m" "$DB_BACKUP_PATH/$one/manifest.json"
	run --separate-stderr dbrestore "$two"
	assert_failure 2
	[[ $stderr == "dbrestore: $DB_BACKUP_PATH/$one/binlog/"*": the event at byte "*" has a bad checksum" ]]
	[ -z "$(sql dst "SHOW DATABASES LIKE 'inc'")" ]
	# The middle one gone: the chain is broken, and says where.
	rm -r "${DB_BACKUP_PATH:?}/$one"
	run --separate-stderr dbrestore "$two"
	assert_failure 2
	[[ $stderr == "dbrestore: the chain of $two is broken at $one, the parent of $two: "* ]]
	[ -z "$(sql dst "SHOW DATABASES LIKE 'inc'")" ]
}

@test "logs flushed many times and a server restart between incrementals; a target with gtid_strict_mode=ON" {
	writes 5
	dbbackup full >/dev/null
	writes 5
	one=$(dbbackup --json incremental | jq -r .id)
	for _ in 1 2 3 4 5 6; do
		sql src 'FLUSH BINARY LOGS'
		writes 1
	done
	server_stop src --keep
	server_restart src
	use_server src
	export DB_BACKUP_PATH=$BATS_TEST_TMPDIR/catalogue
	writes 3
	run --separate-stderr dbbackup --json incremental
	assert_success
	two=$(jq -r .id <<<"$output")
	(($(manifest "$two" | jq '.binlog.files | length') >= 8))
	want=$(sums src)
	# strict has written GTIDs of its own in domain 0, numbered past the
	# source's, before the replay.
	sql strict "SET SESSION gtid_seq_no = 10000000; CREATE DATABASE own;
		CREATE TABLE own.t (a INT); INSERT INTO own.t SELECT seq FROM own.seq_1_to_50"
	cat=$DB_BACKUP_PATH
	use_server strict
	export DB_BACKUP_PATH=$cat
	run --separate-stderr dbrestore "$two"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(sums strict)" = "$want" ]
	[ "$(sql strict 'SELECT @@gtid_strict_mode')" = 1 ]
	sql strict 'DROP DATABASE inc; DROP DATABASE seq; DROP DATABASE own'
	: "$one"
}

@test "--until without a backup picks the newest chain before the time" {
	dbbackup full >/dev/null
	writes 2
	sleep 1.1
	t=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	sleep 1.1
	writes 2
	id=$(dbbackup --json incremental | jq -r .id)
	want_rows=$(sql src 'SELECT COUNT(*) FROM inc.t')
	to_dst
	run --separate-stderr dbrestore --json --until "$t"
	assert_success
	[ "$(jq -r .replay.backup <<<"$output")" = "$id" ]
	(($(sql dst 'SELECT COUNT(*) FROM inc.t') < want_rows))
	sql dst 'DROP DATABASE inc'
}

@test "dbprune keeps a chain while something kept needs it, and deletes it as a whole" {
	a=$(dbbackup --json full | jq -r .id)
	writes 1
	a1=$(dbbackup --json incremental | jq -r .id)
	writes 1
	a2=$(dbbackup --json incremental | jq -r .id)
	b=$(dbbackup --json full | jq -r .id)
	writes 1
	b1=$(dbbackup --json incremental | jq -r .id)
	# A pinned incremental keeps what it builds on, not what follows it.
	dbbackup pin "$a1" >/dev/null
	run --separate-stderr dbprune --json --days 0 --keep-last 1
	assert_success
	[ "$(jq -r --arg i "$b1" '.backups[] | select(.id == $i) | .action' <<<"$output")" = keep ]
	[ "$(jq -r --arg i "$b" '.backups[] | select(.id == $i) | .action' <<<"$output")" = keep ]
	[ "$(jq -r --arg i "$a" '.backups[] | select(.id == $i) | .action' <<<"$output")" = keep ]
	[ "$(jq -r --arg i "$a2" '.backups[] | select(.id == $i) | .action' <<<"$output")" = delete ]
	[ "$(ls "$DB_BACKUP_PATH" | sort | tr '\n' ' ')" = "$(printf '%s\n' "$a" "$a1" "$b" "$b1" | sort | tr '\n' ' ')" ]
	# Unpinned, the old chain goes whole; the newest still restores.
	dbbackup unpin "$a1" >/dev/null
	run --separate-stderr dbprune --days 0 --keep-last 1
	assert_success
	[ "$(ls "$DB_BACKUP_PATH" | sort | tr '\n' ' ')" = "$(printf '%s\n' "$b" "$b1" | sort | tr '\n' ' ')" ]
	run --separate-stderr dbrestore --verify "$b1"
	assert_success
}

# Last: these change the server's binary log for good.
@test "a purged or reset binary log is refused: take a full backup" {
	dbbackup full >/dev/null
	writes 2
	sql src 'FLUSH BINARY LOGS'
	read -r file _ <<<"$(sql src 'SHOW MASTER STATUS')"
	run --separate-stderr dbhealth --json --backup-path "$DB_BACKUP_PATH"
	[ "$status" -le 1 ]	# a warming buffer pool may warn
	[ "$(check_field default binlog_kept status)" = ok ]
	[[ $(check_field default binlog_kept message) == "binlog."*", where "*"-full ends, is on the server" ]]
	binlog_purge_to src "$file"
	# dbhealth sees it before the next incremental fails.
	run --separate-stderr dbhealth --json --backup-path "$DB_BACKUP_PATH"
	assert_failure 2
	[ "$(check_field default binlog_kept status)" = critical ]
	[[ $(check_field default binlog_kept message) == "the server no longer holds binlog."*": the next incremental will fail; take a full backup" ]]
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

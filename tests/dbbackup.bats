#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# dbbackup and dbrestore: a database that uses every type and object kind
# (tests/fixtures/everything.sql) is backed up from one real server and
# restored into a second, fresh one; every table's CHECKSUM TABLE and every
# object's SHOW CREATE must be identical.  Then the catalogue rules, the
# restore modes, consistency under concurrent writers, and the failures.

# shellcheck disable=SC2154
load helper/common

DB='every thing'

setup_file() {
	server_start src
	server_start dst
	mariadb --no-defaults -uroot -S "$SOCK_src" --default-character-set=utf8mb4 \
		<"$BATS_TEST_DIRNAME/fixtures/everything.sql" >/dev/null
	export BK=$BATS_FILE_TMPDIR/catalogue
	use_server src
	dbbackup -d "$BK" full "$DB" >/dev/null
}

teardown_file() {
	server_stop_all
}

setup() {
	use src
}

# Each test starts from the fixture on src and nothing on dst.
teardown() {
	sql dst "DROP DATABASE IF EXISTS \`$DB\`; DROP DATABASE IF EXISTS sqlcopy"
	sql src "DROP DATABASE IF EXISTS copy"
}

# use NAME: point the programs at server NAME and the test catalogue.
use() {
	use_server "$1"
	export DB_BACKUP_PATH=$BK
}

# objects NAME DB: every table's checksum and every object's SHOW CREATE.
objects() {
	local name=$1 db=$2 q t
	q=$(sed 's/`/``/g' <<<"$db")
	sql "$name" "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = '$db' ORDER BY TABLE_NAME" |
	while IFS=$'\t' read -r t type; do
		t=$(sed 's/`/``/g' <<<"$t")
		case $type in
		VIEW) sql "$name" "SHOW CREATE VIEW \`$q\`.\`$t\`" | cut -f1,2 ;;
		SEQUENCE) sql "$name" "SHOW CREATE SEQUENCE \`$q\`.\`$t\`; SELECT next_not_cached_value FROM \`$q\`.\`$t\`" ;;
		*)	sql "$name" "SHOW CREATE TABLE \`$q\`.\`$t\`"
			sql "$name" "CHECKSUM TABLE \`$q\`.\`$t\`" | cut -f2 ;;
		esac
	done
	sql "$name" "SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '$db' ORDER BY 1, 2" |
	while IFS=$'\t' read -r type t; do
		sql "$name" "SHOW CREATE $type \`$q\`.\`$t\`" | cut -f1,2,3
	done
	sql "$name" "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '$db' ORDER BY 1" |
	while read -r t; do
		sql "$name" "SHOW CREATE TRIGGER \`$q\`.\`$t\`" | cut -f1,2,3
	done
	sql "$name" "SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '$db' ORDER BY 1" |
	while read -r t; do
		sql "$name" "SHOW CREATE EVENT \`$q\`.\`$t\`" | cut -f1,2,4
	done
}

@test "a backup restores into a fresh server with every table and object identical" {
	objects src "$DB" >"$BATS_TEST_TMPDIR/src"
	use dst
	run --separate-stderr dbrestore latest
	assert_success
	assert_output --regexp "^backup [0-9]{8}T[0-9]{6}Z-full: restored 1 database, 15 tables, 20025 rows in "
	objects dst "$DB" >"$BATS_TEST_TMPDIR/dst"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/src")" -ge 36 ]
	diff -u "$BATS_TEST_TMPDIR/src" "$BATS_TEST_TMPDIR/dst"
	# The values that tools get wrong, spelled out.
	[ "$(sql dst "SELECT CAST(t_float AS DOUBLE) FROM \`$DB\`.types WHERE id = 1")" = 16777216 ]
	[ "$(sql dst "SELECT HEX(t_blob), t_bit64 + 0 FROM \`$DB\`.types WHERE id = 1")" = "00275C0A0D1A22FF00	18446744073709551615" ]
	[ "$(sql dst "SELECT t_text IS NULL, t_text FROM \`$DB\`.types WHERE id = 1")" = "0	NULL" ]
	[ "$(sql dst "SELECT HEX(t_latin) FROM \`$DB\`.types WHERE id = 4")" = C3A9 ]
	[ "$(sql dst "SELECT t_date, t_datetime FROM \`$DB\`.types WHERE id = 3")" = "0000-00-00	0000-00-00 00:00:00.000000" ]
	[ "$(sql dst "SELECT secret FROM \`$DB\`.child WHERE id = 1")" = s1 ]
	[ "$(sql dst "SELECT COUNT(*) FROM \`$DB\`.versioned FOR SYSTEM_TIME ALL")" = 3 ]
}

@test "the catalogue holds a complete, private, checksummed backup" {
	id=$(ls "$BK")
	[[ $id =~ ^[0-9]{8}T[0-9]{6}Z-full$ ]]
	dir=$BK/$id
	[ "$(stat -c %a "$dir")" = 700 ]
	[ "$(find "$dir" -type f ! -perm 600 | wc -l)" -eq 0 ]
	[ "$(find "$dir" -type d ! -perm 700 | wc -l)" -eq 0 ]
	run jq -r '.format, .format_version, .type, .snapshot.method, (.snapshot.binlog_position | type), .totals.rows' "$dir/manifest.json"
	assert_output "dbkit-backup
1
full
backup_stage
null
20025"
	# Every file is listed with its size and SHA-256, and the gzip files test clean.
	(cd "$dir" && jq -r '.files[] | "\(.sha256)  \(.path)"' manifest.json | sha256sum --quiet -c -)
	[ "$(jq '.files | length' "$dir/manifest.json")" -eq "$(find "$dir" -type f ! -name manifest.json | wc -l)" ]
	for f in "$dir"/*/*.gz; do gunzip -t "$f"; done
	# The data files are the LOAD DATA text format, in encoded file names.
	zcat "$dir/every%20thing/select.00001.tsv.gz" >"$BATS_TEST_TMPDIR/select.tsv"
	printf '1\ta\n2\tb\n' | cmp - "$BATS_TEST_TMPDIR/select.tsv"
	[ -f "$dir/every%20thing/%2E%2E%2Fetc%2Fpasswd.00001.tsv.gz" ]
	[ "$(jq -r '.databases[0].tables[] | select(.name == "../etc/passwd") | .chunks[0].file' "$dir/manifest.json")" = "every%20thing/%2E%2E%2Fetc%2Fpasswd.00001.tsv.gz" ]
}

@test "--compress=zstd writes .zst files that zstdcat reads, and every restore path reads them" {
	local cat=$BATS_TEST_TMPDIR/zstd dir id f
	objects src "$DB" >"$BATS_TEST_TMPDIR/src"
	run --separate-stderr dbbackup -d "$cat" --json --compress=zstd --grants full "$DB"
	[ "$status" -eq 0 ] || fail "$stderr"
	id=$(jq -r .id <<<"$output")
	dir=$cat/$id
	[ "$(jq -r .compression "$dir/manifest.json")" = zstd ]
	[ "$(jq -r .grants_file "$dir/manifest.json")" = @grants.sql.zst ]
	[ -z "$(jq -r '.files[].path | select(endswith(".zst") | not)' "$dir/manifest.json")" ]
	for f in $(jq -r '.files[].path' "$dir/manifest.json"); do
		zstd -q -t "$dir/$f" || fail "$f: zstd -t"
	done
	zstdcat "$dir/every%20thing/select.00001.tsv.zst" >"$BATS_TEST_TMPDIR/select.tsv"
	printf '1\ta\n2\tb\n' | cmp - "$BATS_TEST_TMPDIR/select.tsv"
	run --separate-stderr dbrestore -d "$cat" --test "$id"
	[ "$status" -eq 0 ] || fail "$stderr"
	run --separate-stderr dbrestore -d "$cat" --sql --into sqlcopy "$id"
	[ "$status" -eq 0 ] || fail "$stderr"
	printf '%s\n' "$output" | mariadb --no-defaults -uroot -S "$SOCK_dst"
	objects dst sqlcopy >"$BATS_TEST_TMPDIR/sqlcopy"
	diff -u <(sed "s/\`$DB\`/\`sqlcopy\`/g" "$BATS_TEST_TMPDIR/src") "$BATS_TEST_TMPDIR/sqlcopy"
	use dst
	run --separate-stderr dbrestore -d "$cat" "$id"
	[ "$status" -eq 0 ] || fail "$stderr"
	objects dst "$DB" >"$BATS_TEST_TMPDIR/dst"
	diff -u "$BATS_TEST_TMPDIR/src" "$BATS_TEST_TMPDIR/dst"
	# The setting's words, and true and false as before.
	DB_BACKUP_COMPRESSION=zstd run --separate-stderr dbbackup -d "$cat" --json schema "$DB"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(jq -r .compression "$cat/$(jq -r .id <<<"$output")/manifest.json")" = zstd ]
	DB_BACKUP_COMPRESSION=false run --separate-stderr dbbackup -d "$cat" --json schema "$DB"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(jq -r .compression "$cat/$(jq -r .id <<<"$output")/manifest.json")" = none ]
}

@test "dbrestore --test proves the backup restores, then drops its scratch databases" {
	run --separate-stderr dbrestore --test --json latest
	assert_success
	json_is .ok true
	json_is .mode test
	json_is '[.tables_checked[] | select(.matched | not)] | length' 0
	json_is '.tables_checked | length' 15
	[ -z "$(sql src "SHOW DATABASES LIKE 'dbkit\\_test\\_%'")" ]
}

@test "dbrestore --sql writes plain SQL that a stock client loads" {
	run --separate-stderr dbrestore --sql --into sqlcopy latest
	assert_success
	printf '%s\n' "$output" | mariadb --no-defaults -uroot -S "$SOCK_dst"
	objects src "$DB" | sed "s/\`$DB\`/\`sqlcopy\`/g" >"$BATS_TEST_TMPDIR/src"
	objects dst sqlcopy >"$BATS_TEST_TMPDIR/dst"
	diff -u "$BATS_TEST_TMPDIR/src" "$BATS_TEST_TMPDIR/dst"
}

@test "--into restores one database beside the original" {
	run --separate-stderr dbrestore --into copy latest
	assert_success
	objects src "$DB" | sed "s/\`$DB\`/\`copy\`/g" >"$BATS_TEST_TMPDIR/orig"
	objects src copy >"$BATS_TEST_TMPDIR/copy"
	diff -u "$BATS_TEST_TMPDIR/orig" "$BATS_TEST_TMPDIR/copy"
}

@test "--table restores one table, and refuses to overwrite rows" {
	use dst
	run --separate-stderr dbrestore --table "$DB.big" latest
	assert_success
	[ "$(sql dst "SELECT COUNT(*), SUM(n) FROM \`$DB\`.big")" = "$(sql src "SELECT COUNT(*), SUM(n) FROM \`$DB\`.big")" ]
	[ "$(sql dst "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$DB'")" = 1 ]
	sql dst "DELETE FROM \`$DB\`.big WHERE id > 10"
	run --separate-stderr dbrestore --table "$DB.big" latest
	assert_failure 1
	[ "$stderr" = "dbrestore: \`$DB\`.\`big\` exists and is not empty: nothing was changed (--drop-existing replaces it, --into restores beside it)" ]
	[ "$(sql dst "SELECT COUNT(*) FROM \`$DB\`.big")" = 10 ]
	run --separate-stderr dbrestore --drop-existing --table "$DB.big" latest
	assert_success
	[ "$(sql dst "SELECT COUNT(*) FROM \`$DB\`.big")" = 20000 ]
}

@test "schema-only and data-only backups restore as documented" {
	run --separate-stderr dbbackup --json schema "$DB"
	assert_success
	schema_id=$(jq -r .id <<<"$output")
	sleep 1
	run --separate-stderr dbbackup --json data "$DB"
	assert_success
	data_id=$(jq -r .id <<<"$output")
	use dst
	dbrestore "$schema_id"
	[ "$(sql dst "SELECT COUNT(*) FROM \`$DB\`.big")" = 0 ]
	[ "$(sql dst "SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '$DB'")" = 3 ]
	# The schema brought the trigger on child: loading rows would fire it.
	run --separate-stderr dbrestore "$data_id"
	assert_failure 1
	[ "$stderr" = "dbrestore: $DB: 1 trigger (child_bi on child) would fire for every restored row: nothing was changed (--disable-triggers drops them for the load and creates them again after)" ] || fail "$stderr"
	[ "$(sql dst "SELECT COUNT(*) FROM \`$DB\`.big")" = 0 ]
	run --separate-stderr dbrestore --disable-triggers "$data_id"
	assert_success
	[ "$(sql dst "CHECKSUM TABLE \`$DB\`.types" | cut -f2)" = "$(sql src "CHECKSUM TABLE \`$DB\`.types" | cut -f2)" ]
	[ "$(sql dst "CHECKSUM TABLE \`$DB\`.child" | cut -f2)" = "$(sql src "CHECKSUM TABLE \`$DB\`.child" | cut -f2)" ]
	[ "$(sql dst "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '$DB'")" = child_bi ]
	[ -z "$(ls "${TMPDIR:-/tmp}"/dbrestore-triggers.* 2>/dev/null)" ]
}

@test "a backup taken while writers run restores to a state that kept their invariant" {
	sql src "CREATE DATABASE bank; CREATE TABLE bank.account (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB;
		CREATE TABLE bank.ledger (id BIGINT AUTO_INCREMENT PRIMARY KEY, amount BIGINT NOT NULL) ENGINE=InnoDB;
		INSERT INTO bank.account SELECT seq, 1000 FROM bank.seq_1_to_100;"
	# Each transaction moves money between accounts and records the move:
	# the total stays 100000 and the ledger sums to zero.  The lower id is
	# locked first (either way round), so the two writers cannot deadlock.
	writer() {
		local i a b d
		for ((i = 0; i < 400; i++)); do
			a=$((RANDOM % 100 + 1)) b=$((RANDOM % 100 + 1))
			((a <= b)) || { d=$a a=$b b=$d; }
			d=$((RANDOM % 2 ? 7 : -7))
			printf 'START TRANSACTION; UPDATE bank.account SET balance = balance - (%d) WHERE id = %d; UPDATE bank.account SET balance = balance + (%d) WHERE id = %d; INSERT INTO bank.ledger (amount) VALUES (-7), (7); COMMIT;\n' "$d" "$a" "$d" "$b"
		done | mariadb --no-defaults -uroot -S "$SOCK_src"
	}
	writer & w1=$!
	writer & w2=$!
	sleep 0.2
	run --separate-stderr dbbackup --json --threads 2 full bank
	wait "$w1" "$w2"
	assert_success
	id=$(jq -r .id <<<"$output")
	[ "$(sql src 'SELECT COUNT(*) FROM bank.ledger')" -eq 1600 ]
	use dst
	dbrestore "$id"
	[ "$(sql dst 'SELECT SUM(balance) FROM bank.account')" = 100000 ]
	[ "$(sql dst 'SELECT SUM(amount), COUNT(*) % 2 FROM bank.ledger')" = "0	0" ]
	# The manifest's binlog position is the snapshot's: replaying the
	# binlog from there must reach the source's final state.
	sql dst 'DROP DATABASE bank'
	sql src 'DROP DATABASE bank'
}

@test "writes to an Aria table under way never hang the backup, and one that outlasts --lock-wait-timeout fails it" {
	sql src "CREATE DATABASE notes; CREATE TABLE notes.n (id INT PRIMARY KEY, body TEXT) ENGINE=Aria;
		CREATE TABLE notes.t (id INT PRIMARY KEY) ENGINE=InnoDB;
		INSERT INTO notes.n VALUES (1, ''); INSERT INTO notes.t VALUES (1)"
	# Each UPDATE holds the table's write lock for 0.3 s: with the lock
	# taken the old way (the Aria table read under BLOCK_COMMIT), every
	# backup here waited for ever on the one under way.
	updates() {
		for ((i = 0; i < $1; i++)); do
			echo "UPDATE notes.n SET body = CONCAT(body, IF(SLEEP($2), '', '.')) WHERE id = 1;"
		done | mariadb --no-defaults -uroot -S "$SOCK_src"
	}
	updates 12 0.3 & w=$!
	for _ in 1 2 3; do
		run --separate-stderr timeout 60 dbbackup --json full notes
		assert_success
		sleep 0.2
	done
	wait "$w"
	# The last backup restores with the dots the table had then, no fewer
	# than an UPDATE before it and no more than the 12.
	id=$(jq -r .id <<<"$output")
	use dst
	dbrestore "$id"
	n=$(sql dst 'SELECT LENGTH(body) FROM notes.n')
	((n >= 1 && n <= 12)) || fail "$n dots"
	sql dst 'DROP DATABASE notes'
	use src
	# A write to it that outlasts --lock-wait-timeout: the backup gives
	# up after that long (waiting for BLOCK_DDL, or reading the table,
	# depending on how far the write got), leaves nothing, and the write
	# goes through.
	updates 1 3 & w=$!
	sleep 0.5
	before=$(ls "$BK")
	SECONDS=0
	run --separate-stderr dbbackup --lock-wait-timeout 1s full notes
	assert_failure 1
	((SECONDS < 3)) || fail "gave up after $SECONDS s"
	[[ $stderr == "dbbackup: "*"Lock wait timeout exceeded; try restarting transaction ("*"--lock-wait-timeout"* ]] ||
		fail "stderr: $stderr"
	assert_equal "$(ls "$BK")" "$before"
	wait "$w"
	assert_equal "$(sql src 'SELECT LENGTH(body) FROM notes.n')" 13
	sql src 'DROP DATABASE notes'
}

@test "the lock is bounded: a long statement makes the backup refuse, not stall writers" {
	mariadb --no-defaults -uroot -S "$SOCK_src" -e "SELECT SLEEP(4) FROM \`$DB\`.parent LIMIT 1" >/dev/null &
	sleeper=$!
	# Until the server has run it for a second (a loaded machine starts
	# the client late).
	for _ in $(seq 50); do
		[ "$(sql src "SELECT COUNT(*) FROM information_schema.PROCESSLIST
			WHERE INFO LIKE 'SELECT SLEEP(4)%' AND TIME >= 1")" -ge 1 ] && break
		sleep 0.1
	done
	run --separate-stderr dbbackup --long-query-guard 1s full "$DB"
	wait "$sleeper"
	assert_failure 1
	[[ $stderr == "dbbackup: lock: thread "*" has run a statement for "*" s; the global lock would wait for it and stall writers: retry later, raise --long-query-guard, or use --no-lock" ]]
	[ -z "$(find "$BK" -name '*.partial')" ]
}

@test "--no-lock backs up without RELOAD, and a missing RELOAD is explained" {
	export DB_USER=dbk_reader DB_PASSWORD=readerpw
	sql src "CREATE USER IF NOT EXISTS dbk_reader@localhost IDENTIFIED BY 'readerpw';
		GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON *.* TO dbk_reader@localhost"
	run --separate-stderr dbbackup full "$DB"
	assert_failure 1
	[[ $stderr == *"the global lock needs the RELOAD privilege; --no-lock backs up without it"* ]]
	run --separate-stderr dbbackup --no-lock --json full "$DB"
	assert_success
	[ "$(jq -r .snapshot.method "$(jq -r .path <<<"$output")/manifest.json")" = none ]
	rm -rf "$(jq -r .path <<<"$output")"
}

@test "a second backup into the same catalogue fails at once while one runs" {
	exec 8>"$BK/.lock"
	flock -n 8
	run --separate-stderr dbbackup full "$DB"
	exec 8>&-
	assert_failure 1
	[ "$stderr" = "dbbackup: $BK/.lock: locked by another process" ]
}

@test "a wrong password fails with the server's message and leaves nothing" {
	before=$(ls "$BK")
	DB_PASSWORD=Wr0ng-pw run --separate-stderr dbbackup full "$DB"
	assert_failure 1
	[ "$stderr" = "dbbackup: connect to $SOCK_src: Access denied for user 'dbk_admin'@'localhost' (using password: YES)" ]
	[ "$(ls "$BK")" = "$before" ]
}

@test "a server killed mid-backup fails the backup and leaves no backup behind" {
	server_start victim
	sql victim "CREATE DATABASE v; CREATE TABLE v.t (id INT PRIMARY KEY, s CHAR(200)) ENGINE=InnoDB;
		INSERT INTO v.t SELECT seq, REPEAT('x', 200) FROM v.seq_1_to_300000"
	export DB_SOCKET=$SOCK_victim
	cat_dir=$BATS_TEST_TMPDIR/cat
	dbbackup -d "$cat_dir" --threads 1 full v >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	# Freeze it once it is writing data, kill the server, let it go on.
	for _ in $(seq 200); do
		compgen -G "$cat_dir/*.partial/v/t.*.tsv.gz" >/dev/null && break
		sleep 0.02
	done
	kill -STOP "$pid"
	server_kill victim
	kill -CONT "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 1 ]
	grep -q "^dbbackup: v.t: Lost connection\|^dbbackup: .*server has gone away\|^dbbackup: .*Lost connection" "$BATS_TEST_TMPDIR/err" ||
		fail "$(cat "$BATS_TEST_TMPDIR/err")"
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	[ -z "$(ls "$cat_dir")" ] || [ "$(ls -A "$cat_dir")" = .lock ]
	server_stop victim
}

@test "a full disk fails the backup and removes the partial directory" {
	mnt=$BATS_TEST_TMPDIR/small
	mkdir "$mnt"
	mount -t tmpfs -o size=256k tmpfs "$mnt" 2>/dev/null || skip "cannot mount a tmpfs here"
	run --separate-stderr dbbackup -d "$mnt" --no-compress full "$DB"
	ls -A "$mnt" >"$BATS_TEST_TMPDIR/left"
	umount "$mnt"
	assert_failure 1
	[[ $stderr == "dbbackup: $mnt/"*".partial/"*": No space left on device" ]]
	[ "$(cat "$BATS_TEST_TMPDIR/left")" = .lock ]
}

@test "usage errors exit 2 with a one-line reason" {
	while IFS='|' read -r args message; do
		# shellcheck disable=SC2086
		run --separate-stderr dbbackup $args
		assert_failure 2
		[ "${stderr_lines[0]}" = "$message" ] || fail "'$args': got '${stderr_lines[0]}'"
	done <<'EOF_TABLE'
|dbbackup: missing backup type: full, schema, data or incremental
fulll|dbbackup: unknown backup type: 'fulll'
--threads 0 full|dbbackup: --threads: out of range (1 to 256): '0'
--compress-level 13 full|dbbackup: --compress-level: out of range for gzip (1 to 12): '13'
--compress=zstd --compress-level 20 full|dbbackup: --compress-level: out of range (1 to 19): '20'
--compress=lz4 full|dbbackup: --compress: invalid value: 'lz4' (one of: none gzip zstd)
--no-compress --compress-level 3 full|dbbackup: --compress-level without compression
--lock-wait-timeout 5x full|dbbackup: --lock-wait-timeout: invalid duration: '5x'
--bogus full|dbbackup: unrecognized option '--bogus'
EOF_TABLE
	DB_BACKUP_ENCRYPTION=true run --separate-stderr dbbackup full
	assert_failure 2
	[ "${stderr_lines[0]}" = "dbbackup: DB_BACKUP_ENCRYPTION: encryption is on, but there is nothing to encrypt to: give recipients (--recipient, --recipients-file) or a passphrase file (--passphrase-file)" ]
	run --separate-stderr dbbackup full no_such_db
	assert_failure 1
	[ "$stderr" = "dbbackup: database 'no_such_db' does not exist" ]
}

@test "objects of one database do not change how the next one's rows load" {
	sql src "CREATE DATABASE a1; CREATE PROCEDURE a1.p() SELECT 1;
		CREATE DATABASE b2; CREATE TABLE b2.t (id INT AUTO_INCREMENT PRIMARY KEY, v INT);
		SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'; INSERT INTO b2.t VALUES (0, 10), (5, 50);"
	run --separate-stderr dbbackup --json full a1 b2
	assert_success
	id=$(jq -r .id <<<"$output")
	sql src 'DROP DATABASE a1; DROP DATABASE b2'
	dbrestore --sql "$id" | mariadb --no-defaults -uroot -S "$SOCK_src"
	[ "$(sql src 'SELECT id, v FROM b2.t ORDER BY v')" = "0	10
5	50" ]
	sql src 'DROP DATABASE a1; DROP DATABASE b2'
	dbrestore "$id"
	[ "$(sql src 'SELECT id, v FROM b2.t ORDER BY v')" = "0	10
5	50" ]
	sql src 'DROP DATABASE a1; DROP DATABASE b2'
}

@test "an excluded table takes its triggers along, so the backup still restores" {
	run --separate-stderr dbbackup --json --exclude "$DB.child" --exclude "$DB.big" full "$DB"
	assert_success
	path=$(jq -r .path <<<"$output")
	[ "$(jq -r '[.databases[0].tables[].name] | index("child")' "$path/manifest.json")" = null ]
	[ "$(jq -r '.databases[0].triggers_file' "$path/manifest.json")" = null ]
	run --separate-stderr dbrestore --test "$(basename "$path")"
	assert_success
	rm -rf "$path"
}

@test "users and grants come back with --grants, and --test leaves them alone" {
	sql src "CREATE USER IF NOT EXISTS app@'10.0.0.%' IDENTIFIED BY 'apppw'; GRANT SELECT ON \`$DB\`.* TO app@'10.0.0.%';
		CREATE ROLE IF NOT EXISTS reader; GRANT reader TO app@'10.0.0.%'"
	run --separate-stderr dbbackup --json --grants schema "$DB"
	assert_success
	id=$(jq -r .id <<<"$output")
	run --separate-stderr dbrestore --test --grants "$id"
	assert_success
	use dst
	[ -z "$(sql dst "SELECT User FROM mysql.user WHERE User = 'app'")" ]
	run --separate-stderr dbrestore --grants "$id"
	assert_success
	[ "$(sql dst "SELECT User, Host FROM mysql.user WHERE User = 'app'")" = "app	10.0.0.%" ]
	sql dst "SHOW GRANTS FOR app@'10.0.0.%'" | grep -q "GRANT SELECT ON \`$DB\`.\* TO \`app\`@\`10.0.0.%\`"
	sql dst "SHOW GRANTS FOR app@'10.0.0.%'" | grep -q "GRANT \`reader\` TO \`app\`@\`10.0.0.%\`"
	[ "$(sql dst "SELECT authentication_string = PASSWORD('apppw') FROM mysql.user WHERE User = 'app'")" = 1 ]
	# Restoring again over an account that exists keeps its password,
	# and roles survive --drop-existing.
	sql dst "ALTER USER app@'10.0.0.%' IDENTIFIED BY 'changed'"
	run --separate-stderr dbrestore --grants --drop-existing "$id"
	assert_success
	[ "$(sql dst "SELECT authentication_string = PASSWORD('changed') FROM mysql.user WHERE User = 'app'")" = 1 ]
	sql dst "DROP ROLE reader"
	sql src "DROP USER app@'10.0.0.%'; DROP ROLE reader"
	sql dst "DROP USER app@'10.0.0.%'"
}

@test "a row of 10 MB round-trips through the dump, LOAD DATA and --sql" {
	sql src "CREATE DATABASE wide; CREATE TABLE wide.t (id INT PRIMARY KEY, b LONGBLOB, s LONGTEXT) ENGINE=InnoDB;
		INSERT INTO wide.t VALUES (1, REPEAT(0x00FF5C0A27, 2000000), REPEAT('é\\t', 1000000)), (2, '', NULL)"
	want=$(sql src 'CHECKSUM TABLE wide.t' | cut -f2)
	run --separate-stderr dbbackup --json full wide
	assert_success
	id=$(jq -r .id <<<"$output")
	sql src 'DROP DATABASE wide'
	dbrestore "$id"
	[ "$(sql src 'CHECKSUM TABLE wide.t' | cut -f2)" = "$want" ]
	[ "$(sql src 'SELECT LENGTH(b), CHAR_LENGTH(s) FROM wide.t WHERE id = 1')" = "10000000	2000000" ]
	# As INSERT text the row is longer than its bytes: --sql needs a server
	# max_allowed_packet above the escaped row (documented).
	sql src 'DROP DATABASE wide; SET GLOBAL max_allowed_packet = 67108864'
	dbrestore --sql "$id" | mariadb --no-defaults -uroot -S "$SOCK_src" --max-allowed-packet=64M
	sql src 'SET GLOBAL max_allowed_packet = 16777216'
	[ "$(sql src 'CHECKSUM TABLE wide.t' | cut -f2)" = "$want" ]
	sql src 'DROP DATABASE wide'
}

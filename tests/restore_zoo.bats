#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Every backup restores: the schema zoo (tests/fixtures/zoo.sql), the
# kinds of schema that broke restores, is backed up from one server and
# brought back every way there is (a restore into a fresh server, --sql
# into the stock client, --into beside the original, --test), and each
# time every table's checksum and definition and every object's SHOW
# CREATE and context must equal the original's (tests/helper/fingerprint),
# and the objects must still do what they did: a function under a binary
# collation still says 'a' <> 'A'.

# shellcheck disable=SC2154
load helper/common
load helper/fingerprint

ZOO='a_first z_last shop ctx vals'

setup_file() {
	server_start src
	server_start dst
	mariadb --no-defaults -uroot -S "$SOCK_src" --default-character-set=utf8mb4 \
		<"$BATS_TEST_DIRNAME/fixtures/zoo.sql" >/dev/null
	export BK=$BATS_FILE_TMPDIR/catalogue
	use_server src
	# shellcheck disable=SC2086
	dbbackup -d "$BK" full $ZOO >"$BATS_FILE_TMPDIR/backup.out" 2>"$BATS_FILE_TMPDIR/backup.err"
}

teardown_file() {
	server_stop_all
}

setup() {
	use src
}

# use NAME: point the programs at server NAME and the zoo's catalogue.
use() {
	use_server "$1"
	export DB_BACKUP_PATH=$BK
}

teardown() {
	for db in $ZOO; do
		sql dst "DROP DATABASE IF EXISTS $db"
	done
	sql dst "DROP DATABASE IF EXISTS mb"
	sql src "DROP DATABASE IF EXISTS shop2; DROP DATABASE IF EXISTS mb"
}

# zoo_matches SERVER: each zoo database on SERVER equals src's, and its
# objects behave as on src.
zoo_matches() {
	for db in $ZOO; do
		same_database src "$db" "$1" "$db" || return 1
	done
	behaves "$1" ctx
}

# edited FILE SED: a copy of the backup in $bad whose FILE went through
# SED, with the manifest's size and SHA-256 made to match.
edited() {
	bad=$BATS_TEST_TMPDIR/bad
	cp -a "$BK/$(ls "$BK" | grep -v '^\.')" "$bad"
	zcat "$bad/$1" | sed "$2" | gzip >"$bad/new.gz"
	mv "$bad/new.gz" "$bad/$1"
	jq --arg f "$1" --arg sha "$(sha256sum "$bad/$1" | cut -d' ' -f1)" \
		--argjson size "$(stat -c %s "$bad/$1")" \
		'(.files[] | select(.path == $f)) |= (.sha256 = $sha | .size_bytes = $size)' \
		"$bad/manifest.json" >"$bad/m" && mv "$bad/m" "$bad/manifest.json"
}

# behaves SERVER DB: what the context objects of the zoo return.
behaves() {
	local got
	got=$(sql "$1" "SELECT \`$2\`.cmp(), \`$2\`.cat(), \`$2\`.pcmp('a'),
		(SELECT same FROM \`$2\`.vcmp), (SELECT HEX(c) FROM \`$2\`.vlatin),
		(SELECT CHARACTER_SET_NAME FROM information_schema.COLUMNS
		 WHERE TABLE_SCHEMA = '$2' AND TABLE_NAME = 'vlatin')")
	[ "$got" = $'0\tab\t0\t0\tC3A9\tlatin1' ] || {
		echo "$1:$2 objects return: $got" >&2
		return 1
	}
}

@test "the zoo backs up with no warning" {
	[ ! -s "$BATS_FILE_TMPDIR/backup.err" ] || fail "$(cat "$BATS_FILE_TMPDIR/backup.err")"
	behaves src ctx
}

@test "the zoo restores into an empty server: every table and object the same, in its context" {
	use dst
	run --separate-stderr dbrestore latest
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	zoo_matches dst
	# The values the lax sql_mode stored, bit for bit.
	[ "$(sql dst "SELECT id, e + 0, CAST(f AS DOUBLE), d, t FROM vals.lax ORDER BY id")" = \
		"$(sql src "SELECT id, e + 0, CAST(f AS DOUBLE), d, t FROM vals.lax ORDER BY id")" ]
	[ "$(sql dst "SELECT COUNT(*) FROM vals.only_virtual")" = 3 ]
	# The DEFAULT still takes z_last.ids: its next value not cached on src.
	[ "$(sql dst "INSERT INTO a_first.uses_seq (note) VALUES ('z'); SELECT MAX(id) FROM a_first.uses_seq")" = 2000 ]
}

@test "the zoo restores through --sql and a stock mariadb client" {
	run --separate-stderr dbrestore --sql latest
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/zoo.sql"
	mariadb --no-defaults -uroot -S "$SOCK_dst" <"$BATS_TEST_TMPDIR/zoo.sql"
	zoo_matches dst
}

@test "--test restores the zoo into scratch databases and finds it identical" {
	run --separate-stderr dbrestore --test --json latest
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	json_is '.ok' true
	json_is '[.tables_checked[] | select(.matched | not)] | length' 0
	json_is '.objects_checked' 19
	json_is '[.objects_differing[]] | length' 0
	[ -z "$(sql src "SHOW DATABASES LIKE 'dbkit\\_test\\_%'")" ]
}

@test "--into copies a database beside the original: only its qualifiers change" {
	run --separate-stderr dbrestore --database shop --into shop2 latest
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	same_database src shop src shop2
	# The copy reads its own tables and sequence, and so does its code.
	[ "$(sql src "SELECT COUNT(*) FROM shop2.v; SELECT COUNT(*) FROM shop2.v2")" = $'2\n1' ]
	sql src "CALL shop2.add_shop(3); INSERT INTO shop2.orders () VALUES ()"
	[ "$(sql src "SELECT COUNT(*) FROM shop2.shop; SELECT COUNT(*) FROM shop.shop")" = $'3\n2' ]
	[ "$(sql src "SELECT id, shop_id FROM shop2.orders")" = $'500\t1' ]
	# And through --sql as well.
	sql src "DROP DATABASE shop2"
	dbrestore --sql --database shop --into shop2 latest |
		mariadb --no-defaults -uroot -S "$SOCK_src"
	same_database src shop src shop2
}

@test "--test notices an object re-created in another context than it was backed up in" {
	edited ctx/@routines.sql.gz 's/utf8mb4_bin/utf8mb4_general_ci/'
	run --separate-stderr dbrestore --test --database ctx "$bad"
	assert_failure 1
	[[ $stderr == "dbrestore: function ctx.cmp: "*"collation_connection is utf8mb4_general_ci, the backup recorded utf8mb4_bin"* ]] || fail "$stderr"
	[ -z "$(sql src "SHOW DATABASES LIKE 'dbkit\\_test\\_%'")" ]
}

@test "a view that reads what --exclude left out is reported at backup and skipped at restore" {
	sql src "CREATE DATABASE mb; CREATE TABLE mb.t (id INT); CREATE TABLE mb.kept (id INT);
		INSERT INTO mb.kept VALUES (1); CREATE VIEW mb.v AS SELECT id FROM mb.t;
		CREATE VIEW mb.w AS SELECT id FROM mb.v; CREATE VIEW mb.ok AS SELECT id FROM mb.kept"
	cat=$BATS_TEST_TMPDIR/cat
	run --separate-stderr dbbackup -d "$cat" --exclude mb.t full mb
	assert_success
	[ "$stderr" = "dbbackup: warning: view mb.v reads mb.t, which --exclude leaves out: a restore of this backup skips the view" ] || fail "$stderr"
	run jq -r '.databases[0].objects[] | select(.name == "v") | .reads[0].state' "$cat"/*/manifest.json
	[ "$output" = excluded ]
	use_server dst
	export DB_BACKUP_PATH=$cat
	run --separate-stderr dbrestore --json latest
	assert_success
	[ "$stderr" = "dbrestore: warning: view mb.v skipped: it reads mb.t, which the backup left out (--exclude)
dbrestore: warning: view mb.w skipped: it reads view mb.v, which may not be created" ] || fail "$stderr"
	json_is '[.objects_skipped[] | "\(.kind) \(.database).\(.name)"] | join(",")' "view mb.v,view mb.w"
	[ "$(sql dst "SELECT COUNT(*) FROM mb.ok")" = 1 ]
	[ "$(sql dst "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'mb' ORDER BY 1")" = $'kept\nok' ]
	# --sql: the stream goes on without them, and a client runs it to the end.
	sql dst "DROP DATABASE mb"
	run --separate-stderr dbrestore --sql latest
	assert_success
	mariadb --no-defaults -uroot -S "$SOCK_dst" <<<"$output"
	[ "$(sql dst "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'mb' ORDER BY 1")" = $'kept\nok' ]
	# Where what it reads exists, the view is created.
	sql dst "DROP DATABASE mb; CREATE DATABASE mb; CREATE TABLE mb.t (id INT)"
	run --separate-stderr dbrestore latest
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	[ "$(sql dst "SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'mb'")" = 3 ]
	sql dst "DROP DATABASE mb"
}

@test "a view the server already called invalid is backed up, reported and skipped" {
	sql src "CREATE DATABASE mb; CREATE TABLE mb.gone (x INT); CREATE VIEW mb.broken AS SELECT x FROM mb.gone;
		DROP TABLE mb.gone; CREATE TABLE mb.kept (id INT)"
	cat=$BATS_TEST_TMPDIR/cat
	run --separate-stderr dbbackup -d "$cat" full mb
	assert_success
	[[ $stderr == "dbbackup: warning: view mb.broken: View 'mb.broken' references invalid table(s)"*": a restore of this backup skips it" ]] || fail "$stderr"
	use_server dst
	export DB_BACKUP_PATH=$cat
	run --separate-stderr dbrestore latest
	assert_success
	[[ $stderr == "dbrestore: warning: view mb.broken skipped: it was invalid on the backed-up server: View 'mb.broken'"* ]] || fail "$stderr"
	[ "$(sql dst "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'mb'")" = kept ]
	sql dst "DROP DATABASE mb"
}

@test "a restore that fails after the data names what is missing and how to finish" {
	# A function of the same name already there: its CREATE fails.
	sql dst "CREATE DATABASE a_first; CREATE FUNCTION a_first.twice(x INT) RETURNS INT RETURN 0"
	use dst
	run --separate-stderr dbrestore --database a_first --database z_last latest
	assert_failure 1
	[ "$stderr" = "dbrestore: function a_first.twice: FUNCTION twice already exists; the tables and their rows are restored, not created: function a_first.twice; once the cause is fixed, the same command with --drop-existing restores it all again" ] || fail "$stderr"
	[ "$(sql dst "SELECT COUNT(*) FROM a_first.uses_seq; SELECT COUNT(*) FROM a_first.aaa")" = $'2\n1' ]
	run --separate-stderr dbrestore --drop-existing --database a_first --database z_last latest
	assert_success
	same_database src a_first dst a_first
	same_database src z_last dst z_last
}

@test "a killed --test leaves scratch databases that the next --test drops" {
	sql src "CREATE DATABASE dbkit_test_999999_0; CREATE DATABASE dbkit_test_999999_1; CREATE DATABASE dbkit_test_keep"
	# A scratch database of a --test still running: its connection holds the lock.
	mariadb --no-defaults -uroot -S "$SOCK_src" -e "SELECT GET_LOCK('dbkit_test_999998', 0); CREATE DATABASE dbkit_test_999998_0; SELECT SLEEP(30)" &
	holder=$!
	for _ in $(seq 50); do
		[ -n "$(sql src "SHOW DATABASES LIKE 'dbkit\\_test\\_999998\\_0'")" ] && break
		sleep 0.1
	done
	run --separate-stderr dbrestore --test --database vals latest
	kill "$holder"
	wait "$holder" || true
	assert_success
	[ "$stderr" = "dbrestore: dropped dbkit_test_999999_0, a scratch database left by a --test that did not finish
dbrestore: dropped dbkit_test_999999_1, a scratch database left by a --test that did not finish" ] || fail "$stderr"
	[ "$(sql src "SHOW DATABASES LIKE 'dbkit\\_test\\_%'")" = $'dbkit_test_999998_0\ndbkit_test_keep' ]
	sql src "DROP DATABASE dbkit_test_999998_0; DROP DATABASE dbkit_test_keep"
}

@test "--test names the user's database in its errors, never the scratch copy" {
	# A view whose table the backup does not hold, said to be in it.
	edited shop/@views.sql.gz 's/from `shop`.`shop`$/from `shop`.`nosuch`/'
	run --separate-stderr dbrestore --test --database shop "$bad"
	assert_failure 1
	[[ $stderr == "dbrestore: view shop.v: Table 'shop.nosuch' doesn't exist"* ]] || fail "$stderr"
	[[ $stderr != *dbkit_test* ]] || fail "$stderr"
}

@test "--database alone restores a database whose views read another: where that exists they are created" {
	use dst
	# A table's DEFAULT needs this sequence of z_last: a restore of a_first
	# alone fails without it, naming it.
	run --separate-stderr dbrestore --database a_first latest
	assert_failure 1
	[ "$stderr" = "dbrestore: a_first/uses_seq.sql.gz: Table 'z_last.ids' doesn't exist" ] || fail "$stderr"
	sql dst "DROP DATABASE a_first; CREATE DATABASE z_last; CREATE SEQUENCE z_last.ids"
	run --separate-stderr dbrestore --database a_first latest
	assert_success
	[ "$stderr" = "dbrestore: warning: view a_first.calls skipped: it reads z_last.answer, which this restore does not bring back
dbrestore: warning: view a_first.v_reads_z skipped: it reads z_last.v_base, which this restore does not bring back" ] || fail "$stderr"
	[ "$(sql dst "SELECT COUNT(*) FROM a_first.aaa")" = 1 ]
	sql dst "DROP DATABASE a_first; DROP DATABASE z_last"
	run --separate-stderr dbrestore --database z_last latest
	assert_success
	run --separate-stderr dbrestore --database a_first latest
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	same_database src a_first dst a_first
}

@test "--table brings its table's triggers back with it" {
	use dst
	run --separate-stderr dbrestore --database shop latest
	assert_success
	run --separate-stderr dbrestore --drop-existing --table shop.orders latest
	assert_success
	[ "$(sql dst "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop'")" = orders_bi ]
	same_database src shop dst shop
}

@test "--drop-existing empties a table whose engine has no TRUNCATE before a data restore" {
	sql src "INSTALL SONAME 'ha_archive'" 2>/dev/null || true
	sql dst "INSTALL SONAME 'ha_archive'" 2>/dev/null || true
	sql src "CREATE DATABASE mb; CREATE TABLE mb.arch (id INT, s VARCHAR(10)) ENGINE=ARCHIVE;
		INSERT INTO mb.arch VALUES (1, 'one'), (2, 'two')"
	sql dst "CREATE DATABASE mb; CREATE TABLE mb.arch (id INT, s VARCHAR(10)) ENGINE=ARCHIVE;
		INSERT INTO mb.arch VALUES (9, 'old')"
	cat=$BATS_TEST_TMPDIR/cat
	dbbackup -d "$cat" data mb >/dev/null
	use_server dst
	run --separate-stderr dbrestore -d "$cat" latest
	assert_failure 1
	[ "$stderr" = "dbrestore: \`mb\`.\`arch\` exists and is not empty: nothing was changed (--drop-existing replaces it, --into restores beside it)" ] || fail "$stderr"
	run --separate-stderr dbrestore -d "$cat" --drop-existing latest
	assert_success
	[ "$(sql dst "SELECT id, s FROM mb.arch ORDER BY id")" = $'1\tone\n2\ttwo' ]
	[ "$(sql dst "SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'mb'")" = ARCHIVE ]
}

@test "a data restore never fires a trigger: refused, or with --disable-triggers dropped and put back in its context" {
	cat=$BATS_TEST_TMPDIR/cat
	dbbackup -d "$cat" schema ctx >/dev/null
	sleep 1
	dbbackup -d "$cat" data ctx >/dev/null
	use_server dst
	export DB_BACKUP_PATH=$cat
	dbrestore "$(ls "$cat" | grep schema)" >/dev/null
	run --separate-stderr dbrestore latest
	assert_failure 1
	[ "$stderr" = "dbrestore: ctx: 1 trigger (t_bi on t) would fire for every restored row: nothing was changed (--disable-triggers drops them for the load and creates them again after)" ] || fail "$stderr"
	[ "$(sql dst "SELECT COUNT(*) FROM ctx.t")" = 0 ]
	run --separate-stderr dbrestore --disable-triggers latest
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	# The trigger appends a character to s: it did not fire.
	[ "$(sql dst "SELECT s FROM ctx.t")" = plain ]
	same_database src ctx dst ctx
	# --sql stops before any row where the target has such a trigger.
	sql dst "DELETE FROM ctx.t"
	run --separate-stderr dbrestore --sql latest
	assert_success
	run mariadb --no-defaults -uroot -S "$SOCK_dst" <<<"$output"
	assert_failure
	[[ $output == *"dbkit: a table this data backup loads into has triggers"* ]] || fail "$output"
	[ "$(sql dst "SELECT COUNT(*) FROM ctx.t")" = 0 ]
}

@test "a warning that changed a value fails the restore, naming it" {
	sql src "CREATE DATABASE mb; CREATE TABLE mb.t (id INT PRIMARY KEY, s VARCHAR(20));
		INSERT INTO mb.t VALUES (1, 'longer than five')"
	sql dst "CREATE DATABASE mb; CREATE TABLE mb.t (id INT PRIMARY KEY, s VARCHAR(5))"
	cat=$BATS_TEST_TMPDIR/cat
	dbbackup -d "$cat" data mb >/dev/null
	use_server dst
	run --separate-stderr dbrestore -d "$cat" latest
	assert_failure 1
	[[ $stderr == "dbrestore: mb/t.00001.tsv.gz: Data truncated for column 's' at row 1, and the restored rows of mb.t differ from the backup" ]] || fail "$stderr"
}

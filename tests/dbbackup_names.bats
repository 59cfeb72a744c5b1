#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Long names: a database and tables whose encoded names would not fit in a
# file name (255 bytes) get shortened file names with a hash, the manifest
# maps them back, and the backup restores every way: dbrestore, --test and
# --sql | mariadb.  MariaDB keeps identifiers in utf8mb3, so the longest
# names it takes are 64 characters of 2 bytes (a database: its own file
# name encoding of 3-byte characters runs out at 51) and 50 CJK characters
# (a table: the .ibd file's name must fit too).

# shellcheck disable=SC2154
load helper/common

setup_file() {
	server_start main
	DB=$(printf 'ж%.0s' $(seq 64))
	T29=$(printf '日%.0s' $(seq 29))
	T50=$(printf '日%.0s' $(seq 50))
	T64=$(printf 'ж%.0s' $(seq 64))
	export DB T29 T50 T64
	sql main "CREATE DATABASE \`$DB\`;
		CREATE TABLE \`$DB\`.\`$T29\` (id INT PRIMARY KEY, v VARCHAR(20));
		INSERT INTO \`$DB\`.\`$T29\` SELECT seq, CONCAT('v', seq) FROM \`$DB\`.seq_1_to_100;
		CREATE TABLE \`$DB\`.\`${T29}a\` (id INT PRIMARY KEY);
		INSERT INTO \`$DB\`.\`${T29}a\` VALUES (1);
		CREATE TABLE \`$DB\`.\`${T29}b\` (id INT PRIMARY KEY);
		INSERT INTO \`$DB\`.\`${T29}b\` VALUES (2), (3);
		CREATE TABLE \`$DB\`.\`$T50\` (id INT PRIMARY KEY);
		INSERT INTO \`$DB\`.\`$T50\` VALUES (50);
		CREATE TABLE \`$DB\`.\`$T64\` (id INT PRIMARY KEY);
		INSERT INTO \`$DB\`.\`$T64\` VALUES (64);
		CREATE VIEW \`$DB\`.v AS SELECT COUNT(*) AS n FROM \`$DB\`.\`$T29\`"
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server main
	export DB_BACKUP_PATH=$BATS_FILE_TMPDIR/cat
}

# state: every table's row count and checksum, and the view's result.
state() {
	local t
	sql main "SELECT TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = '$DB' AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1" |
	while read -r t; do
		printf '%s\t' "$t"
		sql main "SELECT COUNT(*) FROM \`$DB\`.\`$t\`; CHECKSUM TABLE \`$DB\`.\`$t\`" |
			tr '\n' '\t'
		echo
	done
	sql main "SELECT n FROM \`$DB\`.v"
}

@test "long names back up into file names that fit, and the manifest maps them back" {
	run --separate-stderr dbbackup full "$DB"
	assert_success
	[ -z "$stderr" ]
	assert_line --index 0 --regexp ": 1 database, 5 tables, 105 rows, "
	dir=$DB_BACKUP_PATH/$(ls "$DB_BACKUP_PATH")
	# Every path part within 255 bytes; the names the backup made within
	# 100 bytes before their suffixes.
	run bash -c "cd '$dir' && find . -mindepth 1 | tr / '\n' | awk 'length(\$0) > 255'"
	assert_output ''
	[ "$(find "$dir" -mindepth 1 -maxdepth 1 -type d | wc -l)" -eq 1 ]
	db_dir=$(jq -r '.databases[0].dir' "$dir/manifest.json")
	[ "$(printf %s "$db_dir" | wc -c)" -le 100 ]
	[[ $db_dir =~ ^(%D0%B6)+~[0-9a-f]{16}$ ]] || fail "dir: $db_dir"
	[ -d "$dir/$db_dir" ]
	[ -f "$dir/$db_dir/@views.sql.gz" ]
	# The manifest names the real database and tables beside the files.
	[ "$(jq -r '.databases[0].name' "$dir/manifest.json")" = "$DB" ]
	run jq -r '.databases[0].tables[] | "\(.name)\t\(.chunks[0].file)"' "$dir/manifest.json"
	[ "${#lines[@]}" -eq 5 ]
	for line in "${lines[@]}"; do
		file=${line#*$'\t'}
		[ -f "$dir/$file" ] || fail "missing: $file"
		base=${file#"$db_dir"/}
		[ "$(printf %s "${base%.00001.tsv.gz}" | wc -c)" -le 100 ] || fail "long: $base"
	done
	# Names that share their first 83 bytes of encoding stay two files.
	[ "$(jq -r '.databases[0].tables[].chunks[0].file' "$dir/manifest.json" | sort -u | wc -l)" -eq 5 ]
}

@test "a backup with long names restores, test-restores, and loads through --sql" {
	state >"$BATS_TEST_TMPDIR/before"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/before")" -eq 6 ]
	run --separate-stderr dbrestore --test latest
	assert_success
	[ -z "$stderr" ]
	assert_output --regexp ": test-restored 1 database, 5 tables, 105 rows in .*: every table and object matches the backup$"

	sql main "DROP DATABASE \`$DB\`"
	run --separate-stderr dbrestore latest
	assert_success
	[ -z "$stderr" ]
	state >"$BATS_TEST_TMPDIR/restored"
	diff -u "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/restored"

	sql main "DROP DATABASE \`$DB\`"
	dbrestore --sql latest >"$BATS_TEST_TMPDIR/dump.sql"
	mariadb --no-defaults -uroot -S "$SOCK_main" <"$BATS_TEST_TMPDIR/dump.sql"
	state >"$BATS_TEST_TMPDIR/loaded"
	diff -u "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/loaded"
}

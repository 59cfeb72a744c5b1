#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# What dbbackup and dbrestore tell the operator besides the backup itself:
# the --progress line, which must end with the real totals and never
# promise a total the run does not reach, and the report lines, in the
# singular for one and the plural for more.

# shellcheck disable=SC2154
load helper/common

setup_file() {
	server_start main
	# Narrow rows: InnoDB's data_length is over twice the text dumped.
	sql main "CREATE DATABASE narrow; CREATE TABLE narrow.t (id INT PRIMARY KEY);
		INSERT INTO narrow.t SELECT seq FROM narrow.seq_1_to_300000;
		ANALYZE TABLE narrow.t;
		CREATE DATABASE one; CREATE TABLE one.t (id INT PRIMARY KEY);
		INSERT INTO one.t VALUES (1);
		CREATE DATABASE two; CREATE TABLE two.a (id INT PRIMARY KEY);
		CREATE TABLE two.b (id INT PRIMARY KEY); INSERT INTO two.b VALUES (1), (2)" >/dev/null
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server main
	export DB_BACKUP_PATH=$BATS_TEST_TMPDIR/cat
}

# last_progress: the last progress line in $stderr, without its padding.
last_progress() {
	printf '%s' "$stderr" | tr '\r' '\n' | grep . | tail -n 1 | sed 's/ *$//'
}

@test "dbbackup --progress on narrow rows ends with the rows and bytes it wrote" {
	local dir mb n
	run --separate-stderr dbbackup --progress --chunk-rows 50000 --threads 2 full narrow
	assert_success
	dir=$DB_BACKUP_PATH/$(ls "$DB_BACKUP_PATH")
	mb=$(zcat "$dir"/narrow/t.*.tsv.gz | wc -c | awk '{ printf "%.1f", $1 / 1e6 }')
	n=$(jq '.databases[0].tables[0].chunks | length' "$dir/manifest.json")
	[ "$n" -ge 5 ]
	run last_progress
	assert_output --regexp "^dbbackup: $n/$n chunks, 300000 rows, ${mb//./\\.} MB, [0-9.]+ MB/s in [0-9.]+ s$"
	# A total is only ever the row estimate, shown while the count is below it.
	printf '%s' "$stderr" | tr '\r' '\n' | grep . >"$BATS_TEST_TMPDIR/lines"
	run grep -v -E "^dbbackup: [0-9]+/$n chunks, [0-9]+ (of ~[0-9]+ )?rows, [0-9.]+ MB, [0-9.]+ MB/s(, ETA [0-9ms]+| in [0-9.]+ s)? *\$" "$BATS_TEST_TMPDIR/lines"
	assert_output ''
	run awk '/ of ~/ { split($0, w, " "); n = w[4]; t = substr(w[6], 2); if (n + 0 >= t + 0) print }' "$BATS_TEST_TMPDIR/lines"
	assert_output ''
}

@test "reports say 1 database, 1 table, 1 row, 1 file and 1 chunk" {
	run --separate-stderr dbbackup full one
	assert_success
	[ -z "$stderr" ]
	assert_line --index 0 --regexp '^backup [0-9TZ]+-full(-[0-9]+)?: 1 database, 1 table, 1 row, '
	full=${lines[0]#backup }
	full=${full%%:*}
	# A data backup of one table has one file.
	run --separate-stderr dbbackup --json data one
	assert_success
	id=$(jq -r .id <<<"$output")
	run --separate-stderr dbrestore --verify "$id"
	assert_success
	assert_output --regexp '^backup [0-9TZ]+-data(-[0-9]+)?: 1 file verified, OK$'
	run --separate-stderr dbrestore --test --progress "$full"
	assert_success
	assert_output --regexp '^backup [0-9TZ]+-full(-[0-9]+)?: test-restored 1 database, 1 table, 1 row in [0-9.]+ s: every table and object matches the backup$'
	run last_progress
	assert_output --regexp '^dbrestore: 1/1 chunk, 1 row, 0\.0 MB, [0-9.]+ MB/s in [0-9.]+ s$'
}

@test "reports say databases, tables, rows and files for more than one" {
	run --separate-stderr dbbackup full one two
	assert_success
	assert_line --index 0 --regexp '^backup [0-9TZ]+-full(-[0-9]+)?: 2 databases, 3 tables, 3 rows, '
	run --separate-stderr dbrestore --verify latest
	assert_success
	assert_output --regexp '^backup [0-9TZ]+-full(-[0-9]+)?: 6 files verified, OK$'
	run --separate-stderr dbrestore --test latest
	assert_success
	assert_output --regexp ': test-restored 2 databases, 3 tables, 3 rows in '
	# Zero is plural too.
	sql main "CREATE DATABASE zero; CREATE TABLE zero.t (id INT)"
	run --separate-stderr dbbackup full zero
	sql main "DROP DATABASE zero"
	assert_success
	assert_line --index 0 --regexp ': 1 database, 1 table, 0 rows, '
}

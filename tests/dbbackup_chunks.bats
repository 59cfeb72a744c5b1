#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# dbbackup's chunks: a table with an integer primary key is split into key
# ranges, and every row must land in exactly one of them, for every
# integer type, signed and unsigned, at the ends of its range and across
# zero and 2^63, with keys dense and sparse.  Each backup is checked three
# ways: the manifest's row counts against COUNT(*), a dbrestore --test,
# and a restore beside the original compared with CHECKSUM TABLE.

# shellcheck disable=SC2154
load helper/common

setup_file() {
	server_start main
	# For each type, signed (s) and unsigned (u): "low", "mid" and "high",
	# 30 consecutive keys at the bottom of the range, around zero (signed)
	# or 2^(bits-1) (unsigned), and at the top; "ext", nine keys at the
	# extremes (min, min+1, min+2, around the middle, max-2, max-1, max).
	python3 - <<-'EOF' >"$BATS_FILE_TMPDIR/chunks.sql"
		types = [("tinyint", 8), ("smallint", 16), ("mediumint", 24),
		         ("int", 32), ("bigint", 64)]
		print("CREATE DATABASE chunks;")
		for name, bits in types:
		    for sign in ("s", "u"):
		        lo, hi = (-2**(bits-1), 2**(bits-1)-1) if sign == "s" else (0, 2**bits-1)
		        mid = 0 if sign == "s" else 2**(bits-1)
		        sets = {
		            "low": range(lo, lo + 30),
		            "mid": range(mid - 15, mid + 15),
		            "high": range(hi - 29, hi + 1),
		            "ext": [lo, lo + 1, lo + 2, mid - 1, mid, mid + 1, hi - 2, hi - 1, hi],
		        }
		        for kind, keys in sets.items():
		            t = f"chunks.{name}_{sign}_{kind}"
		            col = name + (" UNSIGNED" if sign == "u" else "")
		            print(f"CREATE TABLE {t} (id {col} PRIMARY KEY, v VARCHAR(30));")
		            print(f"INSERT INTO {t} VALUES " +
		                  ", ".join(f"({k}, 'row {k}')" for k in keys) + ";")
		# ZEROFILL keys come back padded; they are unsigned.
		print("CREATE TABLE chunks.zerofill (id INT(8) ZEROFILL PRIMARY KEY);")
		print("INSERT INTO chunks.zerofill SELECT seq FROM chunks.seq_1_to_30;")
	EOF
	sql main <"$BATS_FILE_TMPDIR/chunks.sql"
	# Exact TABLE_ROWS, so that the plan splits every table.
	sql main "SELECT CONCAT('ANALYZE TABLE chunks.', TABLE_NAME, ';')
		FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'chunks'" |
		sql main >/dev/null
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server main
	export DB_BACKUP_PATH=$BATS_TEST_TMPDIR/cat
}

teardown() {
	sql main "DROP DATABASE IF EXISTS copy"
}

# counts: "table rows" for every table of database chunks, by COUNT(*).
counts() {
	sql main "SELECT CONCAT('SELECT ''', TABLE_NAME, ''', COUNT(*) FROM chunks.',
		TABLE_NAME, ';') FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = 'chunks' ORDER BY TABLE_NAME" | sql main
}

# checksums DB: "table checksum" for every table of database DB.
checksums() {
	sql main "SELECT CONCAT('CHECKSUM TABLE $1.', TABLE_NAME, ';')
		FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'chunks'
		ORDER BY TABLE_NAME" | sql main | sed "s/^$1\.//"
}

# backup_and_check CHUNK_ROWS: backs up database chunks in chunks of
# CHUNK_ROWS and checks the manifest, --test and a restore.  Leaves the
# manifest in $manifest.
backup_and_check() {
	local dir
	run --separate-stderr dbbackup --chunk-rows "$1" full chunks
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	dir=$DB_BACKUP_PATH/$(ls "$DB_BACKUP_PATH")
	manifest=$dir/manifest.json
	# The manifest's rows, per table and in total, are COUNT(*), and the
	# chunks of each table add up to its rows.
	counts >"$BATS_TEST_TMPDIR/count"
	jq -r '.databases[0].tables[] | "\(.name)\t\(.rows)"' "$manifest" |
		sort >"$BATS_TEST_TMPDIR/manifest"
	diff -u "$BATS_TEST_TMPDIR/count" "$BATS_TEST_TMPDIR/manifest"
	[ "$(jq '.totals.rows' "$manifest")" -eq "$(awk '{ n += $2 } END { print n }' "$BATS_TEST_TMPDIR/count")" ]
	[ "$(jq '[.databases[0].tables[] | select(.rows != ([.chunks[].rows] | add))] | length' "$manifest")" -eq 0 ]
	run --separate-stderr dbrestore --test latest
	assert_success
	assert_output --regexp ": test-restored 1 database, 41 tables, 1020 rows in .*: every table and object matches the backup$"
	[ -z "$stderr" ]
	run --separate-stderr dbrestore --into copy latest
	assert_success
	[ -z "$stderr" ]
	checksums chunks >"$BATS_TEST_TMPDIR/orig"
	checksums copy >"$BATS_TEST_TMPDIR/copy"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/orig")" -eq 41 ]
	diff -u "$BATS_TEST_TMPDIR/orig" "$BATS_TEST_TMPDIR/copy"
}

@test "with --chunk-rows 1, every integer key type at every end of its range splits into one row per chunk" {
	backup_and_check 1
	# 30 consecutive keys make 30 chunks of one row, wherever they are.
	run jq -r '.databases[0].tables[] | select(.name | test("_(low|mid|high)$|zerofill")) |
		select((.chunks | length) != 30 or ([.chunks[].rows] | unique) != [1]) | .name' "$manifest"
	assert_output ''
	# The extremes are split too: far apart, so most ranges are empty.
	run jq -r '.databases[0].tables[] | select(.name | endswith("_ext")) |
		select((.chunks | length) < 2) | .name' "$manifest"
	assert_output ''
}

@test "the issue's table: 40 BIGINT UNSIGNED keys across 2^63 back up as 40 rows" {
	sql main "CREATE DATABASE big; CREATE TABLE big.t (id BIGINT UNSIGNED PRIMARY KEY);
		INSERT INTO big.t SELECT 9223372036854775788 + seq FROM big.seq_1_to_40;
		ANALYZE TABLE big.t" >/dev/null
	run --separate-stderr dbbackup --chunk-rows 1 full big
	sql main "DROP DATABASE big"
	assert_success
	[ -z "$stderr" ]
	manifest=$DB_BACKUP_PATH/$(ls "$DB_BACKUP_PATH")/manifest.json
	run jq -c '[.totals.rows, (.databases[0].tables[0].chunks | length), ([.databases[0].tables[0].chunks[].rows] | unique)]' "$manifest"
	assert_output '[40,40,[1]]'
	run --separate-stderr dbrestore latest
	assert_success
	[ "$(sql main 'SELECT COUNT(*), MIN(id), MAX(id) FROM big.t')" = "40	9223372036854775789	9223372036854775828" ]
	sql main "DROP DATABASE big"
}

@test "with larger chunks, consecutive keys fill chunks of at most --chunk-rows" {
	backup_and_check 7
	# 30 keys in chunks of up to 7: five chunks of six.
	run jq -r '.databases[0].tables[] | select(.name | test("_(low|mid|high)$|zerofill")) |
		select((.chunks | length) != 5 or ([.chunks[].rows] | max) > 7) | .name' "$manifest"
	assert_output ''
}

@test "a table at or under --chunk-rows is one chunk with no key range" {
	backup_and_check 30
	run jq -r '[.databases[0].tables[].chunks | length] | unique | @csv' "$manifest"
	assert_output '1'
}

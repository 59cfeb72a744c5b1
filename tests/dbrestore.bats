#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# dbrestore refuses a damaged backup before it touches the server: every
# case copies a good backup, damages the copy one way, and checks the exit
# status (2, bad input), the one-line message naming the file, and that the
# server has no trace of the restore.

# shellcheck disable=SC2154
load helper/common

setup_file() {
	server_start main
	sql main "CREATE DATABASE shop; CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(8,2));
		INSERT INTO shop.items SELECT seq, CONCAT('item ', seq), seq * 1.5 FROM shop.seq_1_to_5000;
		CREATE VIEW shop.cheap AS SELECT id FROM shop.items WHERE price < 10"
	export CAT=$BATS_FILE_TMPDIR/cat
	use_server main
	dbbackup -d "$CAT" full shop >/dev/null
	export GOOD=$CAT/$(ls "$CAT")
	sql main 'DROP DATABASE shop'
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server main
	export DB_BACKUP_PATH=$CAT
	BAD=$BATS_TEST_TMPDIR/$(basename "$GOOD")
	cp -a "$GOOD" "$BAD"
}

# refused MESSAGE: dbrestore of $BAD exits 2 with MESSAGE, server untouched.
refused() {
	run --separate-stderr dbrestore "$BAD"
	assert_failure 2
	[ "$stderr" = "dbrestore: $1" ] || fail "got: $stderr"
	[ -z "$output" ]
	[ -z "$(sql main "SHOW DATABASES LIKE 'shop'")" ]
	run --separate-stderr dbrestore --verify "$BAD"
	assert_failure 2
}

@test "a good backup verifies and restores" {
	run --separate-stderr dbrestore --verify --json "$BAD"
	assert_success
	json_is '[.mode, .ok, .files] | join(",")' "verify,true,3"
	run --separate-stderr dbrestore "$BAD"
	assert_success
	[ "$(sql main 'SELECT COUNT(*), SUM(price) FROM shop.items')" = "5000	18753750.00" ]
	[ "$(sql main 'SELECT COUNT(*) FROM shop.cheap')" = 6 ]
	sql main 'DROP DATABASE shop'
}

@test "a truncated data file is refused" {
	f=$BAD/shop/items.00001.tsv.gz
	truncate -s -10 "$f"
	refused "$f: size is $(stat -c %s "$f") bytes, the manifest says $((  $(stat -c %s "$f") + 10 )): truncated or replaced"
}

@test "one flipped byte is refused" {
	f=$BAD/shop/items.00001.tsv.gz
	printf '\x55' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
	refused "$f: SHA-256 does not match the manifest: the file is damaged or was changed"
}

@test "a missing file is refused" {
	rm "$BAD/shop/@views.sql.gz"
	refused "$BAD/shop/@views.sql.gz: No such file or directory"
}

@test "a manifest edited by hand is refused" {
	jq '.files[0].sha256 = "0000000000000000000000000000000000000000000000000000000000000000"' \
		"$BAD/manifest.json" >"$BATS_TEST_TMPDIR/m" && cp "$BATS_TEST_TMPDIR/m" "$BAD/manifest.json"
	refused "$BAD/$(jq -r '.files[0].path' "$BAD/manifest.json"): SHA-256 does not match the manifest: the file is damaged or was changed"
	printf '{"format": "dbkit-backup", ' >"$BAD/manifest.json"
	refused "$BAD/manifest.json: not valid JSON: line 1: string or '}' expected near end of file"
	jq '.files[0].path = "../../etc/passwd"' "$GOOD/manifest.json" >"$BAD/manifest.json"
	refused "$BAD/manifest.json: malformed entry 0 in files"
}

@test "a backup of a newer format version is refused with the reason" {
	jq '.format_version = 4' "$GOOD/manifest.json" >"$BAD/manifest.json"
	refused "$BAD/manifest.json: format version 4 is newer than this dbkit reads (3); use a newer dbrestore"
	# Version 3 is an encrypted backup's envelope: without its fields, not one.
	jq '.format_version = 3' "$GOOD/manifest.json" >"$BAD/manifest.json"
	refused "$BAD/manifest.json: encryption: missing or not \"age\""
}

@test "a directory without a manifest is not a backup; latest skips only unfinished ones" {
	mv "$BAD/manifest.json" "$BATS_TEST_TMPDIR/m"
	refused "$BAD/manifest.json: No such file or directory"
	# A newer backup still being written does not hide the good one...
	mkdir "$CAT/29991231T235959Z-full.partial"
	run --separate-stderr dbrestore --verify --json latest
	rmdir "$CAT/29991231T235959Z-full.partial"
	assert_success
	json_is .id "$(basename "$GOOD")"
	# ...but a newer finished one that does not read is not silently
	# passed over for an older one (the next backup of the same second).
	mkdir "$GOOD-2"
	run --separate-stderr dbrestore --verify latest
	rmdir "$GOOD-2"
	assert_failure 2
	[ "$stderr" = "dbrestore: latest backup cannot be used: $GOOD-2/manifest.json: No such file or directory (name an older backup by its id)" ]
}

@test "a file the manifest uses but does not list is refused" {
	jq '.files |= map(select(.path | endswith("@views.sql.gz") | not))' "$GOOD/manifest.json" >"$BAD/manifest.json"
	refused "$BAD/manifest.json: refers to shop/@views.sql.gz, which it does not list with a checksum"
}

@test "bad names and flags are usage errors" {
	while IFS='|' read -r args message; do
		# shellcheck disable=SC2086
		run --separate-stderr dbrestore $args
		assert_failure 2
		[ "${stderr_lines[0]}" = "$message" ] || fail "'$args': got '${stderr_lines[0]}'"
	done <<EOF_TABLE
|dbrestore: missing BACKUP (an id, a path or 'latest')
yesterday|dbrestore: 'yesterday' is not a backup id, a path or 'latest'
20200101T000000Z-full|dbrestore: $CAT/20200101T000000Z-full: no such backup
--database nope latest|dbrestore: --database: 'nope' is not in backup $(basename "$GOOD")
--table shop.nope latest|dbrestore: --table: 'shop.nope' is not in backup $(basename "$GOOD")
--table shop latest|dbrestore: --table: expected DB.TABLE: 'shop'
--test --sql latest|dbrestore: --verify, --test, --sql and --events exclude each other
--test --into x latest|dbrestore: --test restores into scratch databases; --into and --drop-existing do not apply
EOF_TABLE
}

@test "a wrong password fails before anything changes" {
	DB_PASSWORD=nope run --separate-stderr dbrestore latest
	assert_failure 1
	[ "$stderr" = "dbrestore: connect to $DB_SOCKET: Access denied for user 'dbk_admin'@'localhost' (using password: NO)" ] ||
	[ "$stderr" = "dbrestore: connect to $DB_SOCKET: Access denied for user 'dbk_admin'@'localhost' (using password: YES)" ]
	[ -z "$(sql main "SHOW DATABASES LIKE 'shop'")" ]
}

@test "a server without local_infile gets --sql advice" {
	sql main 'SET GLOBAL local_infile = 0'
	run --separate-stderr dbrestore latest
	sql main 'SET GLOBAL local_infile = 1'
	assert_failure 1
	[[ $stderr == *"(the server has local_infile=OFF; dbrestore --sql | mariadb works without it)" ]]
	dbrestore --sql --drop-existing latest | mariadb --no-defaults -uroot -S "$DB_SOCKET"
	[ "$(sql main 'SELECT COUNT(*) FROM shop.items')" = 5000 ]
	sql main 'DROP DATABASE shop'
}

@test "--progress reports chunks, rows, bytes and rate on stderr only, and ends with the totals" {
	local mb last
	run --separate-stderr dbrestore --progress --test latest
	assert_success
	# The last line: what was loaded, no "of", no ETA.
	mb=$(zcat "$GOOD/shop/items.00001.tsv.gz" | wc -c | awk '{ printf "%.1f", $1 / 1e6 }')
	last=$(printf '%s' "$stderr" | tr '\r' '\n' | grep . | tail -n 1)
	[[ $last =~ ^dbrestore:\ 1/1\ chunk,\ 5000\ rows,\ ${mb//./\\.}\ MB,\ [0-9.]+\ MB/s\ in\ [0-9.]+\ s\ *$ ]] ||
		fail "last line: '$last'"
	assert_output --regexp '^backup .*: every table and object matches the backup$'
	run --separate-stderr dbbackup -d "$BATS_TEST_TMPDIR/c" --progress full mysql
	assert_success
	[[ $stderr =~ dbbackup:\ [0-9]+/[0-9]+\ chunks,\ [0-9]+\ rows ]] || fail "stderr: $stderr"
	[ "${#lines[@]}" -eq 2 ]
}

#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Hostile catalogues and option files: what someone who can write to the
# backup directory (or to an option file) may leave there.  dbkit must
# never hang, read outside a backup, crash or use unbounded memory on it;
# it refuses with a one-line message naming the file or the entry.  Every
# program that could block runs under timeout, so a hang fails the test
# instead of stopping the suite.  Each test damages its own copy of a
# real backup taken in setup_file; where a restore is tried, the server
# must be left without the database.

# shellcheck disable=SC2154
load helper/common

setup_file() {
	server_start main
	use_server main
	sql main "CREATE DATABASE shop;
		CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(8,2));
		INSERT INTO shop.items VALUES (1, 'tea', 2.50), (2, 'cake', 3.75);
		CREATE TABLE shop.notes (id INT PRIMARY KEY, body BLOB);
		CREATE TABLE shop.tick (id INT AUTO_INCREMENT PRIMARY KEY, at INT DEFAULT 7);
		CREATE SEQUENCE shop.seq;
		CREATE VIEW shop.cheap AS SELECT id FROM shop.items WHERE price < 3"
	dbbackup -d "$BATS_FILE_TMPDIR/made" full shop >/dev/null
	export GOOD
	GOOD=$(find "$BATS_FILE_TMPDIR/made" -mindepth 1 -maxdepth 1 -name '*-full')
	sql main 'DROP DATABASE shop'
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server main
	export DB_BACKUP_PATH=$BATS_TEST_TMPDIR/cat
	mkdir "$DB_BACKUP_PATH"
	ID=$(basename "$GOOD")
	BAD=$DB_BACKUP_PATH/$ID
	M=$BAD/manifest.json
	cp -a "$GOOD" "$BAD"
}

# edit FILTER: applies the jq FILTER to the manifest of $BAD.
edit() {
	jq "$1" "$M" >"$M.new" && mv "$M.new" "$M"
}

# fixup REL: records the size and SHA-256 of $BAD/REL (followed if it is
# a link) in the manifest, as someone who rewrites both would.
fixup() {
	local size sha
	size=$(stat -L -c %s "$BAD/$1")
	sha=$(sha256sum <"$BAD/$1" | cut -d' ' -f1)
	edit "(.files[] | select(.path == \"$1\")) |= (.size_bytes = $size | .sha256 = \"$sha\")"
}

# refused MESSAGE: --verify, --sql and a restore of $BAD each exit 2 with
# "dbrestore: MESSAGE" alone, print nothing, and leave the server as it was.
refused() {
	local mode
	for mode in --verify --sql ''; do
		# shellcheck disable=SC2086
		run --separate-stderr timeout 60 dbrestore $mode "$BAD"
		[ "$status" -eq 2 ] || fail "dbrestore $mode: status $status: $stderr"
		[ "$stderr" = "dbrestore: $1" ] || fail "dbrestore $mode: $stderr"
		[ -z "$output" ] || fail "dbrestore $mode printed: $output"
	done
	[ -z "$(sql main "SHOW DATABASES LIKE 'shop'")" ]
}

# rss_kb COMMAND...: runs COMMAND with its stdout to wc -c; sets status,
# rss (peak KB, /usr/bin/time %M), bytes (its output size) and stderr.
# Under AddressSanitizer, freed memory stays in a quarantine of 256 MB;
# a small one makes the peak what the program holds.
rss_kb() {
	local t=$BATS_TEST_TMPDIR/time
	bytes=$(ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8 \
		/usr/bin/time -o "$t" -f %M timeout 300 "$@" 2>"$t.err" | wc -c)
	status=$(sed -n 's/^Command exited with non-zero status //p' "$t")
	status=${status:-0}
	stderr=$(cat "$t.err")
	rss=$(tail -n 1 "$t")
}

@test "a FIFO as manifest.json: list, prune, restore and dbhealth end at once with the reason" {
	local why="$M: is a FIFO, not a regular file"
	rm "$M"
	mkfifo "$M"
	run --separate-stderr timeout 10 dbbackup list
	assert_success
	assert_line "damaged $ID: $why"
	run --separate-stderr timeout 10 dbprune --days 0
	assert_failure 1
	[ "$stderr" = "dbprune: $ID: damaged, never deleted by a policy: $why" ]
	# The catalogue lock was let go: the next backup goes through.
	run --separate-stderr timeout 60 dbbackup full mysql
	assert_success
	rm -r "$(find "$DB_BACKUP_PATH" -mindepth 1 -maxdepth 1 -name '*-full*' ! -name "$ID")"
	run --separate-stderr timeout 10 dbrestore latest
	assert_failure 2
	[ "$stderr" = "dbrestore: latest backup cannot be used: $why (name an older backup by its id)" ]
	refused "$why"
	run --separate-stderr timeout 10 dbhealth --json --backup-path "$DB_BACKUP_PATH"
	assert_failure 2
	json_is '.targets[1].checks[0].message' "no complete full backup in $DB_BACKUP_PATH ($ID is damaged)"
	# A link as the manifest is never followed either.
	rm "$M"
	ln -s "$GOOD/manifest.json" "$M"
	run --separate-stderr timeout 10 dbbackup list
	assert_line "damaged $ID: $M: is a symbolic link (refused: it could lead out of the backup)"
}

@test "a FIFO or a link as the catalogue's lock file stops dbprune and dbbackup at once" {
	mkfifo "$DB_BACKUP_PATH/.lock"
	run --separate-stderr timeout 10 dbprune --days 0
	assert_failure 1
	[[ $stderr == "dbprune: $DB_BACKUP_PATH/.lock: is a FIFO, not a regular file"* ]] || fail "$stderr"
	rm "$DB_BACKUP_PATH/.lock"
	ln -s "$BATS_TEST_TMPDIR/planted" "$DB_BACKUP_PATH/.lock"
	run --separate-stderr timeout 60 dbbackup full mysql
	assert_failure
	[[ $stderr == *"$DB_BACKUP_PATH/.lock: is a symbolic link, not a lock file" ]] || fail "$stderr"
	assert_not_exists "$BATS_TEST_TMPDIR/planted"
}

@test "a FIFO, a device or a link to /dev/zero as a data file is refused at once" {
	local f=shop/items.00001.tsv.gz
	rm "$BAD/$f"
	mkfifo "$BAD/$f"
	refused "$BAD/$f: is a FIFO, not a regular file"
	rm "$BAD/$f"
	ln -s /dev/zero "$BAD/$f"
	refused "$BAD/$f: is a symbolic link (refused: it could lead out of the backup)"
	# Only root makes device nodes; in CI the tests run as root.
	if [ "$(id -u)" -eq 0 ]; then
		rm "$BAD/$f"
		mknod "$BAD/$f" c 1 5
		refused "$BAD/$f: is a character device, not a regular file"
	fi
}

@test "a data file linked to a file outside the backup is never read, whatever the manifest says" {
	local f=shop/items.00001.tsv.gz secret=$BATS_TEST_TMPDIR/secret.gz
	# Rows that would load: the file is read only if the link is followed.
	printf '7\tsecret\t1.00\n' | gzip >"$secret"
	rm "$BAD/$f"
	ln -s "$secret" "$BAD/$f"
	fixup "$f"
	edit '(.databases[0].tables[] | select(.name == "items") | .chunks[0].rows) = 1'
	refused "$BAD/$f: is a symbolic link (refused: it could lead out of the backup)"
	# The same through a linked directory on the way: shop -> elsewhere.
	rm "$BAD/$f"
	mv "$BAD/shop" "$BATS_TEST_TMPDIR/elsewhere"
	cp "$secret" "$BATS_TEST_TMPDIR/elsewhere/items.00001.tsv.gz"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$BAD/shop"
	refused "$BAD/shop: is a symbolic link (refused: it could lead out of the backup)"
}

@test "manifest entries a reader would choke on are refused with the entry named" {
	local filter message
	while IFS='|' read -r filter message; do
		cp "$GOOD/manifest.json" "$M"
		edit "$filter"
		run --separate-stderr timeout 10 dbrestore --verify "$BAD"
		[ "$status" -eq 2 ] || fail "$filter: status $status: $stderr"
		[ "$stderr" = "dbrestore: $M: $message" ] || fail "$filter: $stderr"
	done <<'EOF_TABLE'
del(.databases[0].tables[0].columns[0].name)|databases[0].tables[0].columns[0].name: missing or not a string
.databases[0].tables[0].columns[0].name = 5|databases[0].tables[0].columns[0].name: missing or not a string
.databases[0].tables[0].columns[0] = "id"|databases[0].tables[0].columns[0]: not an object
.databases[0].tables[0].columns[0].load = "blob"|databases[0].tables[0].columns[0].load: missing or not one of text, bit, char
del(.databases[0].tables[0].columns[0].type)|databases[0].tables[0].columns[0].type: missing or not a string
.databases[0].name = ""|databases[0].name: not a name of 1 to 64 characters
.databases[0].name = ("é" * 65)|databases[0].name: not a name of 1 to 64 characters
.databases[0].tables[1].name = ("`" * 2000)|databases[0].tables[1].name: not a name of 1 to 64 characters
.databases[0].charset = "utf8mb4 COLLATE x; DROP DATABASE mysql"|databases[0].charset: missing or not a word of [a-z0-9_]
.databases[0].collation = null|databases[0].collation: missing or not a word of [a-z0-9_]
.databases[0].tables[2].sequence_next = "1, 0); DROP DATABASE mysql; --"|databases[0].tables[2].sequence_next: missing or not an integer in a string, or null
.databases[0].tables[2].sequence_next = 5|databases[0].tables[2].sequence_next: missing or not an integer in a string, or null
.databases[0].tables[0].kind = "view"|databases[0].tables[0].kind: missing or not one of table, sequence
.databases[0].tables[0].versioned = "no"|databases[0].tables[0].versioned: missing or not a boolean
.databases[0].tables[0].rows = -1|databases[0].tables[0].rows: missing or not a non-negative integer
.databases[0].tables[0].checksum = "12"|databases[0].tables[0].checksum: missing or not 16 lower-case hex digits
.databases[0].tables[0].chunks[0].rows = 1.5|databases[0].tables[0].chunks[0].rows: missing or not a non-negative integer
.databases[0].tables[0].chunks[0].checksum = null|databases[0].tables[0].chunks[0].checksum: missing or not 16 lower-case hex digits
.databases[0].tables[0].chunks[0].file = null|databases[0].tables[0].chunks[0].file: missing or not a string
.databases[0].tables[0].chunks[0] = []|databases[0].tables[0].chunks[0]: not an object
.databases[0].tables[0].columns = {}|databases[0].tables[0].columns: missing or not an array
.databases[0].tables += [.databases[0].tables[0]]|databases[0].tables[4].name: 'items' is listed twice
.databases += [.databases[0]]|databases[1].name: 'shop' is listed twice
.databases[0].views_file = 7|databases[0].views_file: not a string or null
.databases[0] = null|databases[0]: not an object
.databases = {}|databases: missing or not an array
.totals.stored_bytes = -5|totals.stored_bytes: missing or not a non-negative integer
del(.totals)|totals: missing or not an object
.id = "../../etc"|id: missing or not a backup id
.id = "20261201T020000Z-full.partial"|id: missing or not a backup id
.parent = "yesterday"|parent: missing or not a backup id
.type = ""|type: missing or not a word of [a-z0-9_]
.format_version = -1|format_version: -1 is not a format version
.format_version = 0|format_version: 0 is not a format version
.format_version = "1"|not a dbkit backup manifest
.type = "incremental"|parent: an incremental backup names its parent
. + {type: "incremental", parent: .id}|binlog: missing or not an object
. + {type: "incremental", parent: .id, binlog: {start: {file: "../x", position: 4, gtid: null}}}|binlog.start.file: missing or not a binary log file name
. + {type: "incremental", parent: .id, binlog: {start: {file: "b.1", position: 3, gtid: null}}}|binlog.start.position: missing or not a binary log position
. + {type: "incremental", parent: .id, binlog: {start: {file: "b.1", position: 4, gtid: "0-1-1; DROP"}}}|binlog.start.gtid: not a GTID state or null
. + {type: "incremental", parent: .id, binlog: {start: {file: "b.1", position: 4, gtid: null}, end: {file: "b.1", position: 9, gtid: "0-1-2"}, events: 1, transactions: 0, files: [{name: "b.1", file: "b/b.1"}]}}|refers to b/b.1, which it does not list with a checksum
.files[0].sha256 = "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"|malformed entry 0 in files
.files += [.files[0]]|malformed entry 8 in files
.files[1].path = "shop//items.sql.gz"|malformed entry 1 in files
EOF_TABLE
}

@test "a column without a name and a name of 2000 backticks are refused by every mode" {
	edit 'del(.databases[0].tables[0].columns[0].name)'
	refused "$M: databases[0].tables[0].columns[0].name: missing or not a string"
	cp "$GOOD/manifest.json" "$M"
	edit '.databases[0].name = ("`" * 2000)'
	refused "$M: databases[0].name: not a name of 1 to 64 characters"
}

@test "a name of 64 characters of any script is accepted and quoted whole" {
	local name
	name=$(printf 'é%.0s' $(seq 64))
	edit ".databases[0].name = \"$name\""
	run --separate-stderr timeout 60 dbrestore --sql "$BAD"
	assert_success
	assert_line "CREATE DATABASE IF NOT EXISTS \`$name\` CHARACTER SET $(jq -r '.databases[0] | "\(.charset) COLLATE \(.collation)"' "$M");"
}

@test "--sql turns every escape of the data files into the same SQL as before" {
	local f=shop/notes.00001.tsv.gz
	printf '1\tplain\n2\t\\N\n3\t\\Nx\n4\ta\\tb\\nc\\\\d\\0e\\Zf\\bg\x27h\\rq\n5\t\n6\tend\\\n7\tcaf\xc3\xa9\x27s\n8\t\\\tx\\N\n\\N\t\\N\n' |
		gzip >"$BAD/$f"
	fixup "$f"
	run --separate-stderr timeout 60 dbrestore --sql "$BAD"
	assert_success
	[ -z "$stderr" ]
	# Golden: what dbrestore wrote before the converter became a stream.
	diff -u - <(sed -n '/^INSERT INTO `notes`/,/;$/p' <<<"$output") <<EOF
INSERT INTO \`notes\` (\`id\`, \`body\`) VALUES
(1,_binary'plain'),
(2,NULL),
(3,_binary'Nx'),
(4,_binary'a	b\\nc\\\\d\\0e\\Zf$(printf '\b')g\\'h\\rq'),
(5,_binary''),
(6,_binary'end\\\\'),
(7,_binary'café\\'s'),
(8,_binary'	xN'),
(NULL,NULL);
EOF
}

@test "--sql refuses a data row that does not fit its columns, and a number that is not one" {
	local f=shop/items.00001.tsv.gz row
	while IFS='|' read -r row message; do
		printf '%b' "$row" | gzip >"$BAD/$f"
		fixup "$f"
		run --separate-stderr timeout 60 dbrestore --sql "$BAD"
		assert_failure 1
		[ "$stderr" = "dbrestore: $BAD/$f: $message" ] || fail "'$row': $stderr"
	done <<'EOF_TABLE'
1); DROP DATABASE mysql; --\tx\t1\n|row 1, field 1: not a number
1\tx\t1\t2\n|row 1, field 4: more fields than the manifest has columns
1\tx\n|row 1, field 2: fewer fields than the manifest has columns
1\tx\t\n|row 1, field 3: not a number
1\tx\t1|last row has no end of line
EOF_TABLE
}

@test "--sql writes a table without a column to load as INSERT () VALUES ()" {
	local f=shop/tick.00001.tsv.gz
	printf '\n\n\n' | gzip >"$BAD/$f"
	fixup "$f"
	edit '(.databases[0].tables[] | select(.name == "tick") | .columns) = []'
	run --separate-stderr timeout 60 dbrestore --sql "$BAD"
	assert_success
	[ "$(sed -n '/^INSERT INTO `tick`/,/;$/p' <<<"$output")" = "$(printf 'INSERT INTO `tick` () VALUES\n(),\n(),\n();')" ]
	# A stock client loads it: three rows of defaults.
	mariadb --no-defaults -uroot -S "$DB_SOCKET" <<<"$output"
	[ "$(sql main 'SELECT COUNT(*), SUM(at) FROM shop.tick')" = "3	21" ]
	sql main 'DROP DATABASE shop'
	printf 'x\n' | gzip >"$BAD/$f"
	fixup "$f"
	run --separate-stderr timeout 60 dbrestore --sql "$BAD"
	assert_failure 1
	[ "$stderr" = "dbrestore: $BAD/$f: row 1, field 1: the table has no column to load" ]
}

@test "--sql converts a row of 256 MiB in bounded memory" {
	local f=shop/notes.00001.tsv.gz
	# 256 MiB that gzip makes about 1 MB of, in one row.
	{ printf '1\t'; head -c $((256 << 20)) /dev/zero | tr '\0' a; printf '\n'; } |
		gzip -1 >"$BAD/$f"
	fixup "$f"
	rss_kb dbrestore --sql "$BAD"
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	[ -z "$stderr" ]
	[ "$bytes" -gt $((256 << 20)) ] || fail "only $bytes bytes"
	# Before, the row was held whole: more than 512 MB.
	[ "$rss" -lt 131072 ] || fail "peak RSS $rss KB"
	# The same without the newline: refused, in the same memory.
	{ printf '1\t'; head -c $((256 << 20)) /dev/zero | tr '\0' a; } | gzip -1 >"$BAD/$f"
	fixup "$f"
	rss_kb dbrestore --sql "$BAD"
	[ "$status" -eq 1 ]
	[ "$stderr" = "dbrestore: $BAD/$f: last row has no end of line" ]
	[ "$rss" -lt 131072 ] || fail "peak RSS $rss KB"
}

@test "schema files are read a statement at a time, each at most 64 MiB" {
	local f=shop/items.sql.gz
	# 128 statements of 1 MiB: streamed, so only one is held at a time.
	python3 -c 'import sys
w = sys.stdout.buffer.write
w(b"DELIMITER ;;\n")
for i in range(128):
    w(b"SELECT \x27" + b"x" * (1 << 20) + b"\x27\n;;\n")' | gzip -1 >"$BAD/$f"
	fixup "$f"
	rss_kb dbrestore --sql "$BAD"
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	[ "$bytes" -gt $((128 << 20)) ] || fail "only $bytes bytes"
	[ "$rss" -lt 131072 ] || fail "peak RSS $rss KB"
	# One endless statement is refused once it passes 64 MiB.
	{ printf 'DELIMITER ;;\n'; head -c $((80 << 20)) /dev/zero | tr '\0' x; } | gzip -1 >"$BAD/$f"
	fixup "$f"
	for mode in --sql ''; do
		rss_kb dbrestore $mode "$BAD"
		[ "$status" -eq 1 ] || fail "dbrestore $mode: status $status: $stderr"
		[ "$stderr" = "dbrestore: $BAD/$f: statement 1 is longer than 64 MiB" ] ||
			fail "dbrestore $mode: $stderr"
		[ "$rss" -lt 262144 ] || fail "dbrestore $mode: peak RSS $rss KB"
	done
	[ -z "$(sql main "SHOW TABLES FROM shop LIKE 'items'")" ]
	sql main 'DROP DATABASE IF EXISTS shop'
	# A NUL byte would cut the statement short: refused.
	printf 'DELIMITER ;;\nCREATE TABLE a (x INT)\0garbage\n;;\n' | gzip >"$BAD/$f"
	fixup "$f"
	run --separate-stderr timeout 60 dbrestore --sql "$BAD"
	assert_failure 1
	[ "$stderr" = "dbrestore: $BAD/$f: statement 1 holds a NUL byte" ]
}

@test "an option file reads only regular files of bounded size" {
	local cnf=$BATS_TEST_TMPDIR/my.cnf
	mkfifo "$BATS_TEST_TMPDIR/fifo.cnf"
	head -c $((2 << 20)) /dev/zero | tr '\0' '#' >"$BATS_TEST_TMPDIR/big.cnf"
	{ printf '[client]\nuser='; head -c 70000 /dev/zero | tr '\0' u; printf '\n'; } \
		>"$BATS_TEST_TMPDIR/long.cnf"
	printf '!include %s\n' "$BATS_TEST_TMPDIR/self.cnf" >"$BATS_TEST_TMPDIR/self.cnf"
	while IFS='|' read -r line message; do
		printf '[client]\n%s\n' "$line" >"$cnf"
		run --separate-stderr timeout 10 dbrestore --defaults-file "$cnf" --verify "$GOOD"
		assert_failure 2
		[ "${stderr_lines[0]}" = "dbrestore: $message" ] || fail "'$line': $stderr"
	done <<EOF_TABLE
!include /dev/zero|/dev/zero: is a character device, not a regular file
!include $BATS_TEST_TMPDIR/fifo.cnf|$BATS_TEST_TMPDIR/fifo.cnf: is a FIFO, not a regular file
!include $BATS_TEST_TMPDIR|$BATS_TEST_TMPDIR: is a directory, not a regular file
!include $BATS_TEST_TMPDIR/big.cnf|$BATS_TEST_TMPDIR/big.cnf: larger than 1048576 bytes
!include $BATS_TEST_TMPDIR/long.cnf|$BATS_TEST_TMPDIR/long.cnf:2: line longer than 65536 bytes
!include $BATS_TEST_TMPDIR/self.cnf|$BATS_TEST_TMPDIR/self.cnf: includes nested too deeply
port="1\n2"|$cnf:2: port: invalid number: '1?2'
EOF_TABLE
	# An !includedir without a single .cnf file is no error.
	mkdir "$BATS_TEST_TMPDIR/conf.d"
	printf '[client]\n!includedir %s\n' "$BATS_TEST_TMPDIR/conf.d" >"$cnf"
	run --separate-stderr timeout 10 dbrestore --defaults-file "$cnf" --verify "$GOOD"
	assert_success
}

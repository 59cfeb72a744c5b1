#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Encrypted backups (issue 12): every file of a backup in the age format,
# to X25519 recipients or a passphrase, opened by the stock age program;
# nothing of the content in clear; the catalogue's readers (list, --verify,
# dbprune, dbhealth, an incremental's parent) need no key; dbrestore needs
# an identity, refuses a wrong one before the server is touched, and every
# restore path works with the right one.

# shellcheck disable=SC2154
load helper/common

DB='every thing'
AGE_PTY=$BATS_TEST_DIRNAME/helper/age_pty.py

setup_file() {
	server_start src --log-bin=binlog --server-id=31
	server_start dst
	mariadb --no-defaults -uroot -S "$SOCK_src" --default-character-set=utf8mb4 \
		<"$BATS_TEST_DIRNAME/fixtures/everything.sql" >/dev/null
	export KEYS=$BATS_FILE_TMPDIR/keys
	mkdir -p "$KEYS"
	dbbackup keygen "$KEYS/one.txt" >"$KEYS/one.pub"
	dbbackup keygen "$KEYS/two.txt" >"$KEYS/two.pub"
	printf 'correct horse battery staple\n' >"$KEYS/pass"
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server src
	export DB_BACKUP_PATH=$BATS_TEST_TMPDIR/catalogue
}

teardown() {
	sql dst "DROP DATABASE IF EXISTS \`$DB\`; DROP DATABASE IF EXISTS sqlcopy; DROP DATABASE IF EXISTS inc"
}

# objects NAME DB: every table's checksum and every object's definition.
objects() {
	local q
	q=$(sed 's/`/``/g' <<<"$2")
	sql "$1" "SELECT TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = '$2' AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1" |
	while read -r t; do
		t=$(sed 's/`/``/g' <<<"$t")
		sql "$1" "CHECKSUM TABLE \`$q\`.\`$t\`" | cut -f2
	done
	sql "$1" "SELECT ROUTINE_NAME, ROUTINE_DEFINITION FROM information_schema.ROUTINES
		WHERE ROUTINE_SCHEMA = '$2' ORDER BY 1"
	sql "$1" "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS
		WHERE TABLE_SCHEMA = '$2' ORDER BY 1"
}

# to_dst: point the programs at dst, keeping the test's catalogue.
to_dst() {
	local cat=$DB_BACKUP_PATH
	use_server dst
	export DB_BACKUP_PATH=$cat
}

# private ID KEYFILE: the manifest inside an encrypted backup, as stock age opens it.
private() {
	age -d -i "$2" "$DB_BACKUP_PATH/$1/manifest.age" | zcat
}

@test "keygen writes age-keygen's format: the public key it prints is age-keygen -y's" {
	[ "$(stat -c %a "$KEYS/one.txt")" = 600 ]
	[ "$(age-keygen -y "$KEYS/one.txt")" = "$(cat "$KEYS/one.pub")" ]
	[[ $(cat "$KEYS/one.pub") =~ ^age1[a-z0-9]{58}$ ]]
	run --separate-stderr dbbackup keygen "$KEYS/one.txt"
	assert_failure 1
	[ "$stderr" = "dbbackup: $KEYS/one.txt: File exists" ]
	[ "$(age-keygen -y "$KEYS/one.txt")" = "$(cat "$KEYS/one.pub")" ]
	# To stdout, with the public key on stderr, as age-keygen does.
	run --separate-stderr dbbackup keygen
	assert_success
	assert_line --index 0 --regexp '^# created: [0-9T:Z+-]+$'
	assert_line --index 2 --regexp '^AGE-SECRET-KEY-1[A-Z0-9]{58}$'
	[ "$stderr" = "Public key: $(age-keygen -y <(printf '%s\n' "$output"))" ]
}

@test "a backup to a recipient shows nothing of its content, needs no key to list or verify, and restores with the identity" {
	objects src "$DB" >"$BATS_TEST_TMPDIR/src"
	run --separate-stderr dbbackup --json --encrypt --recipient "$(cat "$KEYS/one.pub")" --grants full "$DB"
	[ "$status" -eq 0 ] || fail "$stderr"
	id=$(jq -r .id <<<"$output")
	dir=$DB_BACKUP_PATH/$id
	# One flat directory of opaque names; no name, count or schema in clear.
	[ -z "$(find "$dir" -mindepth 1 ! -name '*.age' ! -name manifest.json)" ]
	[ -z "$(find "$dir" -mindepth 1 -type d)" ]
	for f in "$dir"/*.age; do
		[[ ${f##*/} =~ ^([0-9a-f]{32}|manifest)\.age$ ]] || fail "$f"
		[ "$(head -c 22 "$f")" = "age-encryption.org/v1" ] || fail "$f: not age"
	done
	for word in every thing types child select passwd rows tables databases columns; do
		! grep -q -i -- "$word" "$dir/manifest.json" || fail "manifest.json shows '$word'"
	done
	! grep -a -q -i "every thing\|CREATE TABLE" "$dir"/*.age
	[ "$(jq -r '.format_version, .encryption, .private, .type' "$dir/manifest.json")" = "3
age
manifest.age
full" ]
	(cd "$dir" && jq -r '.files[] | "\(.sha256)  \(.path)"' manifest.json | sha256sum --quiet -c -)
	# The catalogue's readers need no key.
	run --separate-stderr dbbackup list
	assert_success
	assert_line --partial "$id"
	run --separate-stderr dbrestore --verify "$id"
	assert_success
	[ -z "$stderr" ]
	# Stock age opens every file: the manifest inside names the real ones.
	private "$id" "$KEYS/one.txt" >"$BATS_TEST_TMPDIR/m.json"
	[ "$(jq -r '.databases[0].name' "$BATS_TEST_TMPDIR/m.json")" = "$DB" ]
	f=$(jq -r '.databases[0].tables[] | select(.name == "select") | .chunks[0].file' "$BATS_TEST_TMPDIR/m.json")
	age -d -i "$KEYS/one.txt" "$dir/$f" | zcat >"$BATS_TEST_TMPDIR/select.tsv"
	printf '1\ta\n2\tb\n' | cmp - "$BATS_TEST_TMPDIR/select.tsv"
	# Without a key, a restore is refused before the server is touched.
	to_dst
	run --separate-stderr dbrestore "$id"
	assert_failure 2
	[ "$stderr" = "dbrestore: $id is encrypted: give its identity file (--identity, DB_BACKUP_IDENTITY_FILE) or passphrase file (--passphrase-file, DB_BACKUP_PASSPHRASE_FILE)" ]
	[ -z "$(sql dst "SHOW DATABASES LIKE 'every thing'")" ]
	# With it: the restore, --test and --sql.
	run --separate-stderr dbrestore --identity "$KEYS/one.txt" "$id"
	[ "$status" -eq 0 ] || fail "$stderr"
	objects dst "$DB" >"$BATS_TEST_TMPDIR/dst"
	diff -u "$BATS_TEST_TMPDIR/src" "$BATS_TEST_TMPDIR/dst"
	DB_BACKUP_IDENTITY_FILE=$KEYS/one.txt run --separate-stderr dbrestore --test "$id"
	[ "$status" -eq 0 ] || fail "$stderr"
	dbrestore --identity "$KEYS/one.txt" --sql --into sqlcopy "$id" |
		mariadb --no-defaults -uroot -S "$SOCK_dst"
	[ "$(sql dst 'CHECKSUM TABLE sqlcopy.types' | cut -f2)" = "$(sql src "CHECKSUM TABLE \`$DB\`.types" | cut -f2)" ]
	run --separate-stderr dbrestore --identity "$KEYS/one.txt" --verify "$id"
	assert_success
}

# file_refs MANIFEST: "where<TAB>file" for every file a manifest's content names.
file_refs() {
	jq -r 'paths(type == "string") as $p
		| select($p[-1] | IN("file", "schema_file", "views_file", "routines_file", "triggers_file", "events_file", "grants_file"))
		| select($p[0] != "binlog")
		| "\($p | tostring)\t\(getpath($p))"' "$1" | sort
}

@test "stock age opens every file, and each holds what the unencrypted backup's file holds; nothing shows in clear" {
	run --separate-stderr dbbackup --json --no-compress --grants full "$DB"
	plain=$DB_BACKUP_PATH/$(jq -r .id <<<"$output")
	run --separate-stderr dbbackup --json --no-compress --encrypt --recipient "$(cat "$KEYS/one.pub")" --grants full "$DB"
	[ "$status" -eq 0 ] || fail "$stderr"
	id=$(jq -r .id <<<"$output")
	dir=$DB_BACKUP_PATH/$id
	age -d -i "$KEYS/one.txt" -o "$BATS_TEST_TMPDIR/m.json" "$dir/manifest.age"
	file_refs "$plain/manifest.json" >"$BATS_TEST_TMPDIR/plain.refs"
	file_refs "$BATS_TEST_TMPDIR/m.json" >"$BATS_TEST_TMPDIR/sealed.refs"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/plain.refs")" -ge 20 ]
	join -t $'\t' "$BATS_TEST_TMPDIR/plain.refs" "$BATS_TEST_TMPDIR/sealed.refs" >"$BATS_TEST_TMPDIR/pairs"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/pairs")" -eq "$(wc -l <"$BATS_TEST_TMPDIR/plain.refs")" ]
	while IFS=$'\t' read -r _ logical opaque; do
		age -d -i "$KEYS/one.txt" "$dir/$opaque" | cmp - "$plain/$logical" || fail "$logical ($opaque) differs"
	done <"$BATS_TEST_TMPDIR/pairs"
	# A table name, a column value, a database name: in the plain files,
	# nowhere in the encrypted ones.
	for word in 'row 12345 é' '日本語テーブル' 'every thing' 'secret'; do
		grep -r -q -F -- "$word" "$plain" || fail "the control has no '$word'"
		! grep -r -q -F -- "$word" "$dir" || fail "'$word' shows in $dir"
	done
}

@test "files that stock age encrypted, the manifest too, restore with dbrestore" {
	run --separate-stderr dbbackup --json --encrypt --recipient "$(cat "$KEYS/one.pub")" full "$DB"
	id=$(jq -r .id <<<"$output")
	dir=$DB_BACKUP_PATH/$id
	pub=$(cat "$KEYS/one.pub")
	# Every file decrypted and encrypted again by stock age, and both
	# manifests brought up to date with their new sizes and checksums.
	for f in "$dir"/*.age; do
		age -d -i "$KEYS/one.txt" "$f" | age -e -r "$pub" -o "$f.new"
		mv "$f.new" "$f"
	done
	age -d -i "$KEYS/one.txt" "$dir/manifest.age" | zcat >"$BATS_TEST_TMPDIR/m.json"
	entries() {
		for f in "$dir"/*.age; do
			[ "${f##*/}" = "$1" ] && continue
			printf '{"path":"%s","size_bytes":%s,"sha256":"%s"}\n' "${f##*/}" "$(stat -c %s "$f")" "$(sha256sum <"$f" | cut -d' ' -f1)"
		done | jq -s .
	}
	jq --argjson files "$(entries manifest.age)" '.files = [.files[] as $o | ($files[] | select(.path == $o.path))]' \
		"$BATS_TEST_TMPDIR/m.json" | gzip | age -e -r "$pub" -o "$dir/manifest.age"
	jq --argjson files "$(entries none)" '.files = [.files[] as $o | ($files[] | select(.path == $o.path))]' \
		"$dir/manifest.json" >"$BATS_TEST_TMPDIR/env.json"
	cp "$BATS_TEST_TMPDIR/env.json" "$dir/manifest.json"
	run --separate-stderr dbrestore --verify "$id"
	[ "$status" -eq 0 ] || fail "$stderr"
	to_dst
	run --separate-stderr dbrestore --identity "$KEYS/one.txt" "$id"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(sql dst "CHECKSUM TABLE \`$DB\`.big" | cut -f2)" = "$(sql src "CHECKSUM TABLE \`$DB\`.big" | cut -f2)" ]
}

@test "two recipients: the second identity alone restores; a wrong identity is refused in one line" {
	run --separate-stderr dbbackup --json --encrypt --compress=zstd \
		--recipient "$(cat "$KEYS/one.pub")" --recipient "$(cat "$KEYS/two.pub")" full "$DB"
	[ "$status" -eq 0 ] || fail "$stderr"
	id=$(jq -r .id <<<"$output")
	age -d -i "$KEYS/two.txt" "$DB_BACKUP_PATH/$id/manifest.age" | zstdcat | jq -e '.compression == "zstd"'
	to_dst
	run --separate-stderr dbrestore --identity "$KEYS/two.txt" "$id"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(sql dst "CHECKSUM TABLE \`$DB\`.types" | cut -f2)" = "$(sql src "CHECKSUM TABLE \`$DB\`.types" | cut -f2)" ]
	sql dst "DROP DATABASE \`$DB\`"
	dbbackup keygen "$BATS_TEST_TMPDIR/other.txt" >/dev/null
	run --separate-stderr dbrestore --identity "$BATS_TEST_TMPDIR/other.txt" "$id"
	assert_failure 2
	[ "$stderr" = "dbrestore: $DB_BACKUP_PATH/$id/manifest.age: age: no identity matches the file's recipients" ]
	[ -z "$(sql dst "SHOW DATABASES LIKE 'every thing'")" ]
	# An identity file others may read is used, with a warning.
	cp "$KEYS/two.txt" "$BATS_TEST_TMPDIR/open.txt"
	chmod 644 "$BATS_TEST_TMPDIR/open.txt"
	run --separate-stderr dbrestore --identity "$BATS_TEST_TMPDIR/open.txt" --verify "$id"
	assert_success
	[ "$stderr" = "dbrestore: warning: $BATS_TEST_TMPDIR/open.txt is open to others than its owner (mode 644): keep an identity file private (chmod 600)" ]
}

@test "a passphrase: one scrypt for the whole backup, stock age opens a file, the passphrase never shows" {
	run --separate-stderr dbbackup --json --encrypt --passphrase-file "$KEYS/pass" full "$DB"
	[ "$status" -eq 0 ] || fail "$stderr"
	id=$(jq -r .id <<<"$output")
	dir=$DB_BACKUP_PATH/$id
	# Every file has the same scrypt stanza (work factor 2^18, as age -p).
	[ "$(grep -a -h '^-> scrypt ' "$dir"/*.age | sort -u | wc -l)" -eq 1 ]
	grep -a -q '^-> scrypt [A-Za-z0-9+/]\{22\} 18$' "$dir/manifest.age"
	run --separate-stderr python3 "$AGE_PTY" "$KEYS/pass" age -d -o "$BATS_TEST_TMPDIR/m.gz" "$dir/manifest.age"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(zcat "$BATS_TEST_TMPDIR/m.gz" | jq -r .id)" = "$id" ]
	to_dst
	run --separate-stderr dbrestore --json --passphrase-file "$KEYS/pass" "$id"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(sql dst "CHECKSUM TABLE \`$DB\`.types" | cut -f2)" = "$(sql src "CHECKSUM TABLE \`$DB\`.types" | cut -f2)" ]
	printf 'not it\n' >"$BATS_TEST_TMPDIR/wrong"
	run --separate-stderr dbrestore --passphrase-file "$BATS_TEST_TMPDIR/wrong" "$id"
	assert_failure 2
	[ "$stderr" = "dbrestore: $dir/manifest.age: age: the passphrase does not match" ]
	! grep -r -q -a "correct horse" "$dir"
}

@test "a flipped byte: --verify names the file without a key; an altered manifest inside is refused" {
	run --separate-stderr dbbackup --json --encrypt --recipient "$(cat "$KEYS/one.pub")" full "$DB"
	id=$(jq -r .id <<<"$output")
	dir=$DB_BACKUP_PATH/$id
	f=$(jq -r '.files[0].path' "$dir/manifest.json")
	python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(200); b = f.read(1); f.seek(200); f.write(bytes([b[0] ^ 1]))' "$dir/$f"
	run --separate-stderr dbrestore --verify "$id"
	assert_failure 2
	[ "$stderr" = "dbrestore: $dir/$f: SHA-256 does not match the manifest: the file is damaged or was changed" ]
	run --separate-stderr dbrestore --identity "$KEYS/one.txt" "$id"
	assert_failure 2
	[ "$stderr" = "dbrestore: $dir/$f: SHA-256 does not match the manifest: the file is damaged or was changed" ]
	# The manifest inside of another backup (another id), its envelope's
	# checksum made to match: refused, nothing restored.
	run --separate-stderr dbbackup --json --encrypt --recipient "$(cat "$KEYS/one.pub")" full "$DB"
	id=$(jq -r .id <<<"$output")
	dir=$DB_BACKUP_PATH/$id
	age -d -i "$KEYS/one.txt" "$dir/manifest.age" | zcat | jq '.id = "20000101T000000Z-full"' | gzip |
		age -e -r "$(cat "$KEYS/one.pub")" -o "$BATS_TEST_TMPDIR/m.age"
	mv "$BATS_TEST_TMPDIR/m.age" "$dir/manifest.age"
	jq --arg s "$(stat -c %s "$dir/manifest.age")" --arg h "$(sha256sum <"$dir/manifest.age" | cut -d' ' -f1)" \
		'(.files[] | select(.path == "manifest.age")) |= (.size_bytes = ($s | tonumber) | .sha256 = $h)' \
		"$dir/manifest.json" >"$BATS_TEST_TMPDIR/env.json"
	cp "$BATS_TEST_TMPDIR/env.json" "$dir/manifest.json"
	to_dst
	run --separate-stderr dbrestore --identity "$KEYS/one.txt" "$id"
	assert_failure 2
	[ "$stderr" = "dbrestore: $dir/manifest.age: does not agree with manifest.json (its id, type, parent or files differ): the backup was tampered with" ] || fail "$stderr"
	[ -z "$(sql dst "SHOW DATABASES LIKE 'every thing'")" ]
}

@test "usage errors: nothing to encrypt to, both kinds of key, a key while encryption is off, a bad recipient" {
	while IFS='|' read -r args message; do
		# shellcheck disable=SC2086
		run --separate-stderr dbbackup $args full "$DB"
		assert_failure 2
		[ "${stderr_lines[0]}" = "dbbackup: $message" ] || fail "'$args': got '${stderr_lines[0]}'"
	done <<EOF_TABLE
--encrypt|DB_BACKUP_ENCRYPTION: encryption is on, but there is nothing to encrypt to: give recipients (--recipient, --recipients-file) or a passphrase file (--passphrase-file)
--encrypt --recipient $(cat "$KEYS/one.pub") --passphrase-file $KEYS/pass|give recipients or a passphrase file, not both: age does not mix a passphrase with recipients
--recipient $(cat "$KEYS/one.pub")|recipients given, but encryption is off: set DB_BACKUP_ENCRYPTION=true or give --encrypt
--passphrase-file $KEYS/pass|a passphrase file given, but encryption is off: set DB_BACKUP_ENCRYPTION=true or give --encrypt
EOF_TABLE
	DB_BACKUP_ENCRYPTION=true DB_BACKUP_RECIPIENTS=age1nope run --separate-stderr dbbackup full "$DB"
	assert_failure 2
	[[ $stderr == "dbbackup: recipient: "* ]]
	[ ! -e "$DB_BACKUP_PATH" ] || [ -z "$(ls "$DB_BACKUP_PATH")" ]
}

@test "an encrypted chain: the incremental needs only the public key, dbhealth and dbprune none; the restore replays it" {
	sql src "DROP DATABASE IF EXISTS inc; CREATE DATABASE inc; CREATE TABLE inc.t (id INT PRIMARY KEY, v VARCHAR(20))"
	export DB_BACKUP_ENCRYPTION=true DB_BACKUP_RECIPIENTS_FILE=$KEYS/one.pub
	full=$(dbbackup --json full inc | jq -r .id)
	sql src "INSERT INTO inc.t VALUES (1, 'one'), (2, 'two'); UPDATE inc.t SET v = 'TWO' WHERE id = 2"
	run --separate-stderr dbbackup --json incremental
	[ "$status" -eq 0 ] || fail "$stderr"
	id=$(jq -r .id <<<"$output")
	[ "$(jq -r .parent "$DB_BACKUP_PATH/$id/manifest.json")" = "$full" ]
	! grep -a -q "inc" "$DB_BACKUP_PATH/$id/manifest.json"
	run --separate-stderr dbhealth --json --backup-path "$DB_BACKUP_PATH" -w newest_backup_age=1h
	[[ $(check_field backups newest_backup_age message) == "$id, "*" old" ]]
	run --separate-stderr dbprune --json --days 30
	assert_success
	want=$(sql src 'CHECKSUM TABLE inc.t')
	unset DB_BACKUP_ENCRYPTION DB_BACKUP_RECIPIENTS_FILE
	to_dst
	run --separate-stderr dbrestore --identity "$KEYS/one.txt" "$id"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(sql dst 'CHECKSUM TABLE inc.t')" = "$want" ]
	run --separate-stderr dbrestore --identity "$KEYS/one.txt" --events "$id"
	assert_success
	assert_line --partial "UPDATE inc.t SET v = 'TWO' WHERE id = 2"
	sql src 'DROP DATABASE inc'
}

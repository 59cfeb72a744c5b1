#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# dbbackup list, pin and unpin: a catalogue with real backups of a small
# database, renamed to ids at known ages, and entries made by hand: a
# partial backup, a damaged one (a manifest that is not JSON), a foreign
# file and directory, and a symbolic link named like an id.  Each test
# gets its own copy of that catalogue in $CAT.

# shellcheck disable=SC2154
load helper/common

setup_file() {
	server_start main
	sql main "CREATE DATABASE shop; CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(40));
		INSERT INTO shop.items SELECT seq, CONCAT('item ', seq) FROM shop.seq_1_to_500"
	use_server main
	# Every age is 30 minutes past a whole hour, so the text ("3d 2h")
	# stays the same however long the tests take, up to half an hour.
	export NOW=$(($(date +%s) - 1800))
	export TPL=$BATS_FILE_TMPDIR/template
	export A B C D E F G
	A=$(id_ago $((10 * 86400)) full)
	B=$(id_ago $((5 * 86400)) full)
	C=$(id_ago $((3 * 86400 + 2 * 3600)) schema)
	D=$(id_ago $((2 * 86400 + 3600)) full)
	E=$(id_ago $((86400 + 5 * 3600)) full)
	F=$(id_ago 86400 data)
	G=$(id_ago 3600 full)
	take full "$A"
	take schema "$C"
	take full "$E"
	take data "$F"
	mkdir -m 700 "$TPL/$B" "$TPL/$D.partial" "$TPL/old-stuff"
	echo garbage >"$TPL/$B/manifest.json"
	head -c 100 /dev/zero >"$TPL/$D.partial/data"
	echo "keep me" >"$TPL/notes.txt"
	ln -s "$TPL/$E" "$TPL/$G"
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server main
	export CAT=$BATS_TEST_TMPDIR/cat
	cp -a "$TPL" "$CAT"
}

# id_ago SECONDS TYPE: the id of a backup of TYPE taken SECONDS before $NOW.
id_ago() {
	echo "$(date -u -d "@$((NOW - $1))" +%Y%m%dT%H%M%SZ)-$2"
}

# rfc3339 ID: the time in an id, as the JSON prints it.
rfc3339() {
	date -u -d "$(sed -E 's/^(....)(..)(..)T(..)(..)(..)Z.*/\1-\2-\3 \4:\5:\6 UTC/' <<<"$1")" \
		+%Y-%m-%dT%H:%M:%SZ
}

# take TYPE ID: a real backup of shop in the template, renamed to ID, with
# the manifest's id to match.
take() {
	local path
	path=$(dbbackup -d "$TPL" "$1" shop | tail -n 1)
	jq --arg id "$2" '.id = $id' "$path/manifest.json" >"$path/manifest.new"
	chmod 600 "$path/manifest.new"
	mv "$path/manifest.new" "$path/manifest.json"
	mv "$path" "$TPL/$2"
}

# size ID: a complete backup's size as list counts it, from its manifest.
size() {
	echo $(($(jq .totals.stored_bytes "$CAT/$1/manifest.json") +
		$(stat -c %s "$CAT/$1/manifest.json")))
}

# human BYTES: the size as the text table prints it.
human() {
	awk -v b="$1" 'BEGIN {
		split("kB MB GB TB PB", unit, " ")
		if (b < 1000) { printf "%d B\n", b; exit }
		v = b / 1000; u = 1
		while (v >= 999.95 && u < 5) { v /= 1000; u++ }
		printf "%.1f %s\n", v, unit[u]
	}'
}

# expected_text PINNED_ID: the whole text list of $CAT, with PINNED_ID
# (or none) pinned.
expected_text() {
	local w total id type state age sz pinned
	local -a rows
	total=$(($(size "$A") + 8 + $(size "$C") + 100 + $(size "$E") + $(size "$F")))
	rows=(
		"$A full complete 10d_0h $(human "$(size "$A")")"
		"$B full damaged 5d_0h 8_B"
		"$C schema complete 3d_2h $(human "$(size "$C")")"
		"$D full partial 2d_1h 100_B"
		"$E full complete 1d_5h $(human "$(size "$E")")"
		"$F data complete 1d_0h $(human "$(size "$F")")"
	)
	w=4
	for r in "${rows[@]}"; do
		read -r id type state age sz <<<"$r"
		((${#sz} > w)) && w=${#sz}
	done
	printf "%-23s  %-6s  %-8s  %-6s  %-${w}s  %-6s  %s\n" ID TYPE STATE AGE SIZE PARENT PINNED
	for r in "${rows[@]}"; do
		read -r id type state age sz <<<"$r"
		pinned=no
		[[ $id == "${1-}" ]] && pinned=yes
		printf "%-23s  %-6s  %-8s  %-6s  %-${w}s  %-6s  %s\n" "$id" "$type" "$state" \
			"${age/_/ }" "${sz/_/ }" - "$pinned"
	done
	echo "damaged $B: $CAT/$B/manifest.json: not valid JSON: line 1: '[' or '{' expected near 'garbage'"
	echo "not a backup (left alone): $G"
	echo "not a backup (left alone): notes.txt"
	echo "not a backup (left alone): old-stuff"
	echo
	echo "catalogue:            $CAT"
	echo "backups:              6 (data 1, full 4, schema 1)"
	echo "size:                 $(human "$total")"
	echo "oldest complete:      $A"
	echo "newest complete:      $F"
	echo "newest complete full: $E"
}

@test "list shows every backup with its state, age, size and pin, then the foreign entries and the totals" {
	run --separate-stderr dbbackup -d "$CAT" list
	assert_success
	assert_output "$(expected_text)"
	assert_equal "$stderr" ''
}

@test "list reads DB_BACKUP_PATH and never connects" {
	export DB_BACKUP_PATH=$CAT DB_SOCKET=/nonexistent/mysqld.sock DB_HOST=localhost
	run --separate-stderr dbbackup --threads 4 list
	assert_success
	assert_output "$(expected_text)"
	assert_equal "$stderr" ''
}

@test "list --json gives the same as one document" {
	run --separate-stderr dbbackup -d "$CAT" --json list
	assert_success
	assert_equal "$stderr" ''
	json_is .path "$CAT"
	json_is '[.backups[] | [.id, .type, .state, .parent, .pinned] | map(tostring) | join(" ")] | join(",")' \
		"$A full complete null false,$B full damaged null false,$C schema complete null false,$D full partial null false,$E full complete null false,$F data complete null false"
	json_is '[.backups[] | .taken_at] | join(",")' \
		"$(rfc3339 "$A"),$(rfc3339 "$B"),$(rfc3339 "$C"),$(rfc3339 "$D"),$(rfc3339 "$E"),$(rfc3339 "$F")"
	json_is '[.backups[] | .size_bytes] | map(tostring) | join(",")' \
		"$(size "$A"),8,$(size "$C"),100,$(size "$E"),$(size "$F")"
	json_is '[.backups[] | .error] | map(tostring) | join(",")' \
		"null,$CAT/$B/manifest.json: not valid JSON: line 1: '[' or '{' expected near 'garbage',null,null,null,null"
	# age_s is the time since taken_at, and the ids' ages plus the margin.
	json_is '[.backups[] | (now | floor) - (.taken_at | fromdate) - .age_s | . >= 0 and . <= 5] | all' true
	json_is '.backups[0].age_s - 1800 - 10 * 86400 | . >= 0 and . < 1800' true
	json_is '.backups[2].age_s - 1800 - (3 * 86400 + 2 * 3600) | . >= 0 and . < 1800' true
	json_is '.foreign | join(",")' "$G,notes.txt,old-stuff"
	json_is '.totals | tojson' "{\"count_by_type\":{\"data\":1,\"full\":4,\"schema\":1},\"size_bytes\":$(($(size "$A") + 8 + $(size "$C") + 100 + $(size "$E") + $(size "$F"))),\"oldest_complete\":\"$A\",\"newest_complete\":\"$F\",\"newest_complete_full\":\"$E\"}"
	json_is '.backups[0] | keys_unsorted | join(",")' \
		id,type,state,taken_at,age_s,size_bytes,parent,pinned,error,future,replica_of
}

@test "list does not open the data files: a complete backup's size comes from its manifest" {
	# A data file replaced by a bigger one changes nothing in the list.
	f=$(jq -r '.files[] | select(.path | test("items")) | .path' "$CAT/$E/manifest.json" | head -n 1)
	head -c 100000 /dev/zero >"$CAT/$E/$f"
	run --separate-stderr dbbackup -d "$CAT" list
	assert_success
	assert_output "$(expected_text)"
}

@test "list on a missing catalogue reports 0 backups and creates nothing" {
	run --separate-stderr dbbackup -d "$BATS_TEST_TMPDIR/none" list
	assert_success
	assert_equal "$stderr" ''
	assert_output "catalogue:            $BATS_TEST_TMPDIR/none
backups:              0
size:                 0 B
oldest complete:      -
newest complete:      -
newest complete full: -"
	assert_not_exist "$BATS_TEST_TMPDIR/none"
	run --separate-stderr dbbackup -d "$BATS_TEST_TMPDIR/none" --json list
	assert_success
	json_is 'tojson' "{\"path\":\"$BATS_TEST_TMPDIR/none\",\"backups\":[],\"foreign\":[],\"chains\":[],\"totals\":{\"count_by_type\":{},\"size_bytes\":0,\"oldest_complete\":null,\"newest_complete\":null,\"newest_complete_full\":null}}"
}

@test "list on an empty catalogue reports 0 backups" {
	mkdir "$BATS_TEST_TMPDIR/empty"
	run --separate-stderr dbbackup -d "$BATS_TEST_TMPDIR/empty" --json list
	assert_success
	json_is '[(.backups | length), (.foreign | length), .totals.size_bytes, .totals.newest_complete_full] | map(tostring) | join(" ")' \
		"0 0 0 null"
}

@test "list on a path that is a file is a usage error" {
	touch "$BATS_TEST_TMPDIR/file"
	run --separate-stderr dbbackup -d "$BATS_TEST_TMPDIR/file" list
	assert_failure 2
	assert_output ''
	assert_equal "$stderr" "dbbackup: $BATS_TEST_TMPDIR/file: not a directory"
}

@test "list takes no arguments" {
	run --separate-stderr dbbackup -d "$CAT" list extra
	assert_failure 2
	assert_output ''
	assert_equal "$stderr" "dbbackup: list: unexpected argument 'extra'
Try 'dbbackup --help' for more information."
}

@test "pin writes the pin file, list shows it, unpin removes it" {
	run --separate-stderr dbbackup -d "$CAT" pin "$E"
	assert_success
	assert_output "pinned $E"
	assert_equal "$stderr" ''
	assert_file_exist "$CAT/$E/pinned"
	run --separate-stderr dbbackup -d "$CAT" list
	assert_success
	assert_output "$(expected_text "$E")"
	run --separate-stderr dbbackup -d "$CAT" --json list
	json_is '[.backups[] | select(.pinned) | .id] | join(",")' "$E"
	# Pinning twice is not an error.
	run --separate-stderr dbbackup -d "$CAT" pin "$E"
	assert_success
	assert_output "pinned $E"
	run --separate-stderr dbbackup -d "$CAT" unpin "$E"
	assert_success
	assert_output "unpinned $E"
	assert_equal "$stderr" ''
	assert_not_exist "$CAT/$E/pinned"
	run --separate-stderr dbbackup -d "$CAT" list
	assert_output "$(expected_text)"
	# And unpinning what is not pinned neither.
	run --separate-stderr dbbackup -d "$CAT" unpin "$E"
	assert_success
	assert_output "unpinned $E"
}

@test "pin reads DB_BACKUP_PATH" {
	export DB_BACKUP_PATH=$CAT
	run --separate-stderr dbbackup pin "$A"
	assert_success
	assert_output "pinned $A"
	assert_file_exist "$CAT/$A/pinned"
}

@test "pin and unpin refuse what is not a complete backup" {
	unknown=$(id_ago 60 full)
	while read -r verb id message; do
		run --separate-stderr dbbackup -d "$CAT" "$verb" "$id"
		assert_failure 2
		assert_output ''
		assert_equal "$stderr" "dbbackup: $message"
	done <<-EOF
		pin $unknown $unknown: no such backup in $CAT
		unpin $unknown $unknown: no such backup in $CAT
		pin $B $B: not a complete backup: $CAT/$B/manifest.json: not valid JSON: line 1: '[' or '{' expected near 'garbage'
		pin $D $D: not a complete backup: $D.partial is being written or was left by a failed run
		pin $D.partial $D.partial: not a complete backup: $D.partial is being written or was left by a failed run
		pin $G $G: not a backup: dbkit leaves it alone
		pin notes.txt notes.txt: not a backup: dbkit leaves it alone
		pin nonsense 'nonsense' is not a backup id
		pin ../template/$A '../template/$A' is not a backup id
	EOF
	# Nothing was written anywhere.
	run find "$CAT" "$TPL" -name pinned
	assert_output ''
}

@test "pin in a missing catalogue, or in a file, fails with exit 2" {
	run --separate-stderr dbbackup -d "$BATS_TEST_TMPDIR/none" pin "$A"
	assert_failure 2
	assert_equal "$stderr" "dbbackup: $A: no such backup in $BATS_TEST_TMPDIR/none"
	touch "$BATS_TEST_TMPDIR/file"
	run --separate-stderr dbbackup -d "$BATS_TEST_TMPDIR/file" unpin "$A"
	assert_failure 2
	assert_equal "$stderr" "dbbackup: $BATS_TEST_TMPDIR/file: not a directory"
}

@test "pin and unpin take exactly one id" {
	run --separate-stderr dbbackup -d "$CAT" pin
	assert_failure 2
	assert_equal "$stderr" "dbbackup: pin: missing backup id
Try 'dbbackup --help' for more information."
	run --separate-stderr dbbackup -d "$CAT" unpin "$A" "$E"
	assert_failure 2
	assert_equal "$stderr" "dbbackup: unpin: one backup id only
Try 'dbbackup --help' for more information."
}

@test "--help shows list, pin and unpin" {
	run --separate-stderr dbbackup --help
	assert_success
	assert_line --partial 'dbbackup [-d DIR] [--json] list'
	assert_line --partial 'dbbackup [-d DIR] pin|unpin ID'
}

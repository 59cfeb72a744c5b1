#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# The catalogue's rules, as every program that reads it applies them: the
# ids of backups started in one second and the order of backups; what
# "latest" takes for a backup (the same as the listing: no links, no
# files, nothing dated in the future); the locks that keep dbprune from
# deleting a backup while dbrestore reads it; and an empty backup path.
# Backups are real (dbbackup of small databases), taken under faketime
# where the date matters.

# shellcheck disable=SC2154
load helper/common

setup_file() {
	server_start main
	for db in a b c d e; do
		sql main "CREATE DATABASE $db; CREATE TABLE $db.t (id INT PRIMARY KEY, v VARCHAR(20));
			INSERT INTO $db.t SELECT seq, CONCAT('$db ', seq) FROM $db.seq_1_to_100"
	done
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server main
	export DB_BACKUP_PATH=$BATS_TEST_TMPDIR/cat
	CAT=$DB_BACKUP_PATH
}

# faketime preloads itself; under AddressSanitizer the runtime must then
# be told not to insist on being first.  The wall clock stands still at
# the date given, so every backup of a loop starts in the same second.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
export FAKETIME_DONT_FAKE_MONOTONIC=1

# at DATE ARGS...: dbbackup ARGS with the clock stopped at DATE (UTC).
at() {
	local when=$1
	shift
	TZ=UTC faketime -f "$when" dbbackup "$@" >/dev/null
}

# entries: the catalogue's entries, one line, sorted by name.
entries() {
	ls -A "$CAT" | grep -v '^\.lock$' | LC_ALL=C sort | tr '\n' ' '
}

# copies ID...: copies of one real backup of a under the given ids.
copies() {
	local made
	mkdir -p "$BATS_TEST_TMPDIR/made"
	dbbackup -d "$BATS_TEST_TMPDIR/made" full a >/dev/null
	made=$(find "$BATS_TEST_TMPDIR/made" -mindepth 1 -maxdepth 1 -type d)
	for id in "$@"; do
		cp -a "$made" "$CAT/$id"
	done
}

@test "backups started in one second get -2, -3, ... across types, with their true time" {
	# A crontab with one line per database.
	for db in a b c d e; do
		at '2026-03-01 02:00:00' full "$db"
	done
	S=20260301T020000Z
	[ "$(entries)" = "$S-full $S-full-2 $S-full-3 $S-full-4 $S-full-5 " ]
	dbs=(a b c d e)
	ids=("$S-full" "$S-full-2" "$S-full-3" "$S-full-4" "$S-full-5")
	for i in 0 1 2 3 4; do
		id=${ids[i]} db=${dbs[i]}
		[ "$(jq -r '[.id, .started_at, .databases[0].name] | join(" ")' "$CAT/$id/manifest.json")" = \
			"$id 2026-03-01T02:00:00Z $db" ] || fail "$id: $(jq -c . "$CAT/$id/manifest.json")"
	done
	# The next backup of that second follows the highest sequence of any
	# type, an unfinished one included.
	mkdir -m 700 "$CAT/$S-data-7.partial"
	at '2026-03-01 02:00:00' schema a
	assert_dir_exist "$CAT/$S-schema-8"
	run --separate-stderr dbbackup --json list
	assert_success
	json_is '[.backups[] | "\(.id):\(.state)"] | join(" ")' \
		"$S-full:complete $S-full-2:complete $S-full-3:complete $S-full-4:complete $S-full-5:complete $S-data-7:partial $S-schema-8:complete"
	json_is '.totals | [.newest_complete, .newest_complete_full] | join(" ")' "$S-schema-8 $S-full-5"
	run --separate-stderr dbrestore --verify --json latest
	assert_success
	assert_equal "$stderr" ''
	json_is .id "$S-schema-8"
	run --separate-stderr dbrestore --verify --json "$S-full-3"
	assert_success
	json_is .id "$S-full-3"
	# A new second starts again without a sequence.
	at '2026-03-01 02:00:01' full a
	assert_dir_exist "$CAT/20260301T020001Z-full"
}

@test "backups are ordered by time and sequence, never by name: -10 after -9, data-2 after full" {
	S=20260301T020000Z
	mkdir "$CAT"
	copies "$S-full" "$S-data-2" "$S-full-9" "$S-full-10"
	run --separate-stderr dbbackup --json list
	assert_success
	json_is '[.backups[].id] | join(" ")' "$S-full $S-data-2 $S-full-9 $S-full-10"
	json_is '.totals | [.oldest_complete, .newest_complete, .newest_complete_full] | join(" ")' \
		"$S-full $S-full-10 $S-full-10"
	run --separate-stderr dbrestore --verify --json latest
	assert_success
	json_is .path "$CAT/$S-full-10"
	run --separate-stderr env TZ=UTC faketime -f '2026-03-01 03:00:00' dbhealth --json -d "$CAT"
	assert_success
	[[ $(check_field backups backup_age message) == "$S-full-10, 1h old" ]] || fail "$output"
	# The newest complete full backup stays; the others go, whatever
	# their names sort like.
	run --separate-stderr env TZ=UTC faketime -f '2026-03-02 00:00:00' dbprune --days 0 --keep-last 2
	assert_success
	assert_line --regexp "^keep +$S-full-10 .* newest complete full backup; last #1$"
	assert_line --regexp "^keep +$S-full-9 .* last #2$"
	[ "$(entries)" = "$S-full-10 $S-full-9 " ]
}

@test "names that only look like ids are not backups" {
	mkdir "$CAT"
	copies 20260301T020000Z-full-1 20260301T020000Z-full-02 20260301T020000Z-full-0 \
		20260301T020000Z-full-1000000 20260301T020000Z-Full 20260301T020000Z-full-2x \
		20260230T020000Z-full 20260301T020000Z-full-3
	run --separate-stderr dbbackup --json list
	assert_success
	json_is '[.backups[].id] | join(" ")' 20260301T020000Z-full-3
	json_is '.foreign | join(" ")' \
		"20260230T020000Z-full 20260301T020000Z-Full 20260301T020000Z-full-0 20260301T020000Z-full-02 20260301T020000Z-full-1 20260301T020000Z-full-1000000 20260301T020000Z-full-2x"
	run --separate-stderr dbrestore --verify 20260301T020000Z-full-02
	assert_failure 2
	assert_equal "$stderr" "dbrestore: '20260301T020000Z-full-02' is not a backup id, a path or 'latest'"
}

@test "latest follows the listing: a link or a file named like a newer backup is not one" {
	at '2026-01-01 02:00:00' full a
	OLD=20260101T020000Z-full
	# A link to a good backup elsewhere, and a stray file, both newer.
	cp -a "$CAT/$OLD" "$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$CAT/20260601T000000Z-full"
	touch "$CAT/20260701T000000Z-full"
	run --separate-stderr dbbackup --json list
	assert_success
	json_is '[.backups[].id] | join(" ")' "$OLD"
	json_is '.foreign | join(" ")' "20260601T000000Z-full 20260701T000000Z-full"
	run --separate-stderr dbrestore --verify --json latest
	assert_success
	assert_equal "$stderr" ''
	json_is .id "$OLD"
	for id in 20260601T000000Z-full 20260701T000000Z-full; do
		run --separate-stderr dbrestore --verify "$id"
		assert_failure 2
		assert_output ''
		assert_equal "$stderr" "dbrestore: $id: not a backup: dbkit leaves it alone"
	done
	# A path is the user's own choice, and may go through a link.
	run --separate-stderr dbrestore --verify --json "$CAT/20260601T000000Z-full"
	assert_success
	json_is .id "$OLD"
	[ -L "$CAT/20260601T000000Z-full" ] && [ -f "$CAT/20260701T000000Z-full" ]
}

@test "a backup dated in the future is listed as such and never latest" {
	OLD=20260101T000000Z-full
	FUT=20270205T120000Z-full
	at '2026-01-01 00:00:00' full a
	# The clock was 400 days ahead for this one.
	at '2027-02-05 12:00:00' full b
	now() { env TZ=UTC faketime -f '2026-01-01 12:00:00' "$@"; }
	run --separate-stderr now dbbackup list
	assert_success
	assert_equal "$stderr" ''
	assert_line --regexp "^$OLD +full +complete +12h "
	assert_line --regexp "^$FUT +full +complete +in 400d "
	assert_line "dated in the future $FUT: not latest, not counted (check the clock)"
	assert_line "newest complete:      $OLD"
	assert_line "newest complete full: $OLD"
	run --separate-stderr now dbbackup --json list
	json_is '[.backups[] | "\(.id):\(.future):\(.age_s)"] | join(" ")' "$OLD:false:43200 $FUT:true:0"
	json_is '.totals.newest_complete' "$OLD"
	# latest passes over it, saying so on one line.
	run --separate-stderr now dbrestore --verify --json latest
	assert_success
	json_is .id "$OLD"
	assert_equal "$stderr" "dbrestore: latest: skipped $FUT, dated in the future (check the clock); using $OLD"
	# Named by its id, it is the user's choice.
	run --separate-stderr now dbrestore --verify --json "$FUT"
	assert_success
	json_is .id "$FUT"
	assert_equal "$stderr" ''
	# Alone, it is no latest at all.
	rm -r "${CAT:?}/$OLD"
	run --separate-stderr now dbrestore --verify latest
	assert_failure 2
	assert_output ''
	assert_equal "$stderr" "dbrestore: $CAT: no complete backup (skipped $FUT, dated in the future)"
	# A few minutes ahead is a clock that differs a little: it counts.
	at '2026-01-01 12:04:00' full c
	run --separate-stderr now dbrestore --verify --json latest
	assert_success
	json_is .id 20260101T120400Z-full
	assert_equal "$stderr" "dbrestore: latest: skipped $FUT, dated in the future (check the clock); using 20260101T120400Z-full"
}

# processlist_id PATTERN: the id of the connection whose statement is LIKE PATTERN.
processlist_id() {
	sql main "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '$1' AND ID <> CONNECTION_ID()"
}

# wait_for COMMAND...: runs COMMAND every 0.1 s until it prints something, up to 30 s.
wait_for() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ -n "$("$@")" ] && return 0
		sleep 0.1
	done
	fail "waited 30 s for: $*"
}

@test "dbprune keeps a backup a restore is reading, and deletes it once the restore is done" {
	sql main 'CREATE DATABASE race; CREATE TABLE race.t (id INT PRIMARY KEY, v VARCHAR(20));
		INSERT INTO race.t SELECT seq, "old" FROM race.seq_1_to_1000'
	at '2026-01-01 02:00:00' full race
	sql main 'INSERT INTO race.t SELECT seq, "new" FROM race.seq_1001_to_2000'
	at '2026-01-02 02:00:00' full race
	OLD=20260101T020000Z-full
	# The pause: a transaction that has read race.t holds its metadata
	# lock, so the restore, with OLD verified and open, waits on the server
	# to drop the table until that transaction ends.  Its data files are
	# read after that: a prune meanwhile used to delete them under it.
	mariadb --no-defaults -uroot -S "$DB_SOCKET" -N -e \
		'BEGIN; SELECT COUNT(*) FROM race.t; SELECT SLEEP(300)' >/dev/null 2>&1 3>&- &
	wait_for processlist_id 'SELECT SLEEP(300)'
	holder=$(processlist_id 'SELECT SLEEP(300)')
	dbrestore --drop-existing --threads 1 "$OLD" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	restore=$!
	wait_for sql main "SELECT ID FROM information_schema.PROCESSLIST WHERE STATE = 'Waiting for table metadata lock'"
	run --separate-stderr dbprune --days 0
	assert_success
	assert_equal "$stderr" ''
	assert_line --regexp "^keep +$OLD +full +complete .* in use: a reader holds it, kept this run$"
	assert_line --regexp '^2 kept, 0 deleted'
	assert_dir_exist "$CAT/$OLD"
	run --separate-stderr dbprune --days 0 --dry-run --json
	assert_success
	json_is ".backups[] | select(.id == \"$OLD\") | [.action, .in_use, .reason] | join(\",\")" \
		"keep,true,in use: a reader holds it, kept this run"
	sql main "KILL $holder"
	wait "$restore" || fail "dbrestore failed: $(cat "$BATS_TEST_TMPDIR/err")"
	[ ! -s "$BATS_TEST_TMPDIR/err" ] || fail "stderr: $(cat "$BATS_TEST_TMPDIR/err")"
	grep -q "^backup $OLD: restored 1 database, 1 table, 1000 rows" "$BATS_TEST_TMPDIR/out"
	[ "$(sql main 'SELECT COUNT(*), MIN(v), MAX(v) FROM race.t')" = "1000	old	old" ]
	run --separate-stderr dbprune --days 0
	assert_success
	assert_line --regexp "^delete +$OLD "
	[ "$(entries)" = "20260102T020000Z-full " ]
	sql main 'DROP DATABASE race'
}

@test "a reader waits for a prune that holds a backup, and fails cleanly if it was deleted" {
	at '2026-01-01 02:00:00' full a
	OLD=20260101T020000Z-full
	# Held as dbprune holds what it deletes, for longer than a reader waits.
	exec 8<"$CAT/$OLD"
	flock -x 8
	SECONDS=0
	run --separate-stderr dbrestore --verify "$OLD"
	assert_failure 2
	assert_output ''
	assert_equal "$stderr" "dbrestore: backup $OLD is being deleted by dbprune"
	((SECONDS >= 1 && SECONDS <= 10)) || fail "waited ${SECONDS}s"
	# Deleted as dbprune deletes, while the reader waits.
	(
		sleep 1
		mv "$CAT/$OLD" "$CAT/$OLD.partial"
		rm -r "$CAT/$OLD.partial"
		flock -u 8
	) 3>&- &
	run --separate-stderr dbrestore --verify "$OLD"
	wait
	exec 8<&-
	assert_failure 2
	assert_equal "$stderr" "dbrestore: backup $OLD was deleted"
	run --separate-stderr dbrestore --verify "$OLD"
	assert_failure 2
	assert_equal "$stderr" "dbrestore: $CAT/$OLD: no such backup"
}

@test "an empty backup path is a usage error naming where it came from" {
	while IFS='|' read -r status cmd; do
		# shellcheck disable=SC2086
		DB_BACKUP_PATH='' run --separate-stderr $cmd
		assert_failure "$status"
		assert_output ''
		[[ ${stderr_lines[0]} == *": DB_BACKUP_PATH: empty path" ]] || fail "$cmd: $stderr"
	done <<-EOF
		2|dbbackup list
		2|dbbackup full a
		2|dbrestore --verify latest
		2|dbprune
		3|dbhealth --backup-check
	EOF
	while IFS='|' read -r status cmd; do
		# shellcheck disable=SC2086
		run --separate-stderr $cmd -d ''
		assert_failure "$status"
		[ "${stderr_lines[0]}" = "${cmd%% *}: --backup-path: empty path" ] || fail "$cmd: $stderr"
	done <<-EOF
		2|dbbackup list
		2|dbprune
		2|dbrestore --verify latest
		3|dbhealth
	EOF
	assert_not_exist "$CAT"
}

#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# dbprune over catalogues of real backups taken at chosen dates: dbbackup
# and dbprune run under faketime, so "now" and every id are exact, and
# each test asserts which directories remain.

# shellcheck disable=SC2154
load helper/common

setup_file() {
	server_start main
	sql main 'CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY); INSERT INTO d.t VALUES (1), (2)'
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server main
	export DB_BACKUP_PATH=$BATS_TEST_TMPDIR/cat
	unset DB_BACKUP_RETENTION_DAYS
}

# faketime preloads itself; under AddressSanitizer (make SAN=...) the
# runtime must then be told not to insist on being first.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
# The wall clock stands still at the date given (faketime -f), so a slow
# run (sanitizers) cannot tick into the next second; timeouts keep the
# real monotonic clock.
export FAKETIME_DONT_FAKE_MONOTONIC=1

# at DATE [TYPE]: a real backup of d taken at DATE (UTC), e.g. '2026-01-05 02:00:00'.
at() {
	TZ=UTC faketime -f "$1" dbbackup "${2:-full}" d >/dev/null
}

# prune_at DATE [ARGS...]: dbprune run at DATE.
prune_at() {
	local when=$1
	shift
	run --separate-stderr env TZ=UTC faketime -f "$when" dbprune "$@"
}

# left: the catalogue's entries, one line, sorted.
left() {
	ls -A "$DB_BACKUP_PATH" | grep -v '^\.lock$' | sort | tr '\n' ' '
}

@test "--days keeps what is younger and always the newest complete full" {
	for day in 01 05 10; do at "2026-01-$day 02:00:00"; done
	at '2026-02-20 02:00:00'
	prune_at '2026-03-01 12:00:00' --days 30
	assert_success
	[ "$(left)" = "20260220T020000Z-full " ]
	assert_line --regexp '^keep +20260220T020000Z-full +full +complete +9d 10h .* newest complete full backup; within 30 days$'
	assert_line --regexp '^1 kept, 3 deleted, [0-9.]+ kB freed$'
	# All older than the limit: the newest full still stays.
	prune_at '2026-12-01 00:00:00' --days 30
	assert_success
	[ "$(left)" = "20260220T020000Z-full " ]
}

@test "a one-day limit reads 'within 1 day'" {
	at '2026-01-05 02:00:00'
	at '2026-01-05 06:00:00'
	prune_at '2026-01-05 12:00:00' --days 1
	assert_success
	assert_line --regexp '^keep +20260105T020000Z-full .* within 1 day$'
	assert_line --regexp '^2 kept, 0 deleted, '
}

@test "the retention default comes from DB_BACKUP_RETENTION_DAYS, and 0 turns the age rule off" {
	at '2026-01-01 02:00:00'
	at '2026-01-25 02:00:00'
	at '2026-01-30 02:00:00'
	DB_BACKUP_RETENTION_DAYS=3 prune_at '2026-01-31 12:00:00' --dry-run
	assert_success
	assert_line --regexp '^would delete +20260125T020000Z-full'
	prune_at '2026-01-31 12:00:00' --days 0 --keep-last 2
	assert_success
	[ "$(left)" = "20260125T020000Z-full 20260130T020000Z-full " ]
}

@test "daily, weekly and monthly keep the newest of each period, and the rules add up" {
	# Two backups a day on Jan 1-3 and Jan 10, one on Jan 20 and Feb 2.
	for day in 01 02 03 10; do
		at "2026-01-$day 02:00:00"
		at "2026-01-$day 14:00:00"
	done
	at '2026-01-20 02:00:00'
	at '2026-02-02 02:00:00'
	prune_at '2026-02-03 00:00:00' --days 0 --keep-daily 2 --keep-weekly 3 --keep-monthly 2 --json
	assert_success
	# daily: Feb 2, Jan 20; weekly (ISO): W06 Feb 2, W04 Jan 20, W02 Jan 10 14:00;
	# monthly: Feb 2, Jan 20 (the newest of January).
	[ "$(left)" = "20260110T140000Z-full 20260120T020000Z-full 20260202T020000Z-full " ]
	json_is '[.backups[] | select(.action == "keep") | "\(.id): \(.reason)"] | join(" / ")' \
		"20260110T140000Z-full: weekly #3 (2026-W02) / 20260120T020000Z-full: daily #2 (2026-01-20); weekly #2 (2026-W04); monthly #2 (2026-01) / 20260202T020000Z-full: newest complete full backup; daily #1 (2026-02-02); weekly #1 (2026-W06); monthly #1 (2026-02)"
	json_is '[.kept, .deleted] | join(",")' 3,7
}

@test "a pinned backup stays until it is unpinned" {
	at '2026-01-01 02:00:00'
	at '2026-01-02 02:00:00'
	at '2026-03-01 02:00:00'
	dbbackup pin 20260101T020000Z-full
	prune_at '2026-03-02 00:00:00' --days 7
	assert_success
	[ "$(left)" = "20260101T020000Z-full 20260301T020000Z-full " ]
	assert_line --regexp '^keep +20260101T020000Z-full .* pinned$'
	dbbackup unpin 20260101T020000Z-full
	prune_at '2026-03-02 00:00:00' --days 7
	[ "$(left)" = "20260301T020000Z-full " ]
}

@test "a kept backup keeps the chain it depends on" {
	at '2026-01-01 02:00:00'
	at '2026-01-02 02:00:00'
	at '2026-01-03 02:00:00' data
	# The data backup depends on the first full (an incremental would).
	m=$DB_BACKUP_PATH/20260103T020000Z-data/manifest.json
	jq '.parent = "20260101T020000Z-full"' "$m" >"$m.new" && mv "$m.new" "$m"
	prune_at '2026-01-04 00:00:00' --days 0 --keep-last 1
	assert_success
	[ "$(left)" = "20260101T020000Z-full 20260102T020000Z-full 20260103T020000Z-data " ]
	assert_line --regexp '^keep +20260101T020000Z-full .* 20260103T020000Z-data depends on it$'
}

@test "unfinished backups go when stale, damaged and foreign entries are left alone" {
	at '2026-01-01 02:00:00'
	at '2026-01-05 02:00:00'
	mkdir "$DB_BACKUP_PATH/20260102T020000Z-full.partial" "$DB_BACKUP_PATH/20260105T100000Z-full.partial"
	mkdir "$DB_BACKUP_PATH/20260103T020000Z-full"
	echo 'not json' >"$DB_BACKUP_PATH/20260103T020000Z-full/manifest.json"
	echo hello >"$DB_BACKUP_PATH/notes.txt"
	mkdir "$DB_BACKUP_PATH/old stuff"
	ln -s /etc "$DB_BACKUP_PATH/20250101T000000Z-full"
	prune_at '2026-01-05 12:00:00' --days 1
	assert_failure 1
	[ "$(left)" = "20250101T000000Z-full 20260103T020000Z-full 20260105T020000Z-full 20260105T100000Z-full.partial notes.txt old stuff " ]
	[[ $stderr == "dbprune: 20260103T020000Z-full: damaged, never deleted by a policy: $DB_BACKUP_PATH/20260103T020000Z-full/manifest.json: not valid JSON"* ]]
	assert_line 'not a backup, left alone: notes.txt'
	assert_line 'not a backup, left alone: 20250101T000000Z-full'
	[ -d /etc ]
	# A shorter partial age takes the recent one too.
	prune_at '2026-01-05 12:00:00' --days 1 --partial-age 1h
	[ ! -e "$DB_BACKUP_PATH/20260105T100000Z-full.partial" ]
}

@test "--dry-run deletes nothing and says what would go" {
	at '2026-01-01 02:00:00'
	at '2026-02-01 02:00:00'
	prune_at '2026-02-02 00:00:00' --days 7 --dry-run --json
	assert_success
	json_is .dry_run true
	json_is '[.backups[] | select(.action == "delete") | .id] | join(",")' 20260101T020000Z-full
	[ "$(left)" = "20260101T020000Z-full 20260201T020000Z-full " ]
}

@test "a prune waits for no backup: the catalogue lock makes it stop, deleting nothing" {
	at '2026-01-01 02:00:00'
	at '2026-02-01 02:00:00'
	exec 8>"$DB_BACKUP_PATH/.lock"
	flock -n 8
	prune_at '2026-02-02 00:00:00' --days 7
	exec 8>&-
	assert_failure 1
	[ "$stderr" = "dbprune: $DB_BACKUP_PATH/.lock: locked by another process (a backup or a prune is running); nothing was deleted" ]
	[ "$(left)" = "20260101T020000Z-full 20260201T020000Z-full " ]
}

@test "bad input is a usage error and deletes nothing" {
	at '2026-01-01 02:00:00'
	while IFS='|' read -r args message; do
		# shellcheck disable=SC2086
		run --separate-stderr dbprune $args
		assert_failure 2
		[ "${stderr_lines[0]}" = "$message" ] || fail "'$args': got '${stderr_lines[0]}'"
	done <<EOF_TABLE
--days abc|dbprune: --days: invalid number: 'abc'
--days -1|dbprune: --days: out of range (0 to 1000000): '-1'
--keep-last x|dbprune: --keep-last: invalid number: 'x'
--partial-age 1y|dbprune: --partial-age: invalid duration: '1y'
-d $BATS_TEST_TMPDIR/nowhere|dbprune: $BATS_TEST_TMPDIR/nowhere: No such file or directory
-d $BATS_TEST_TMPDIR/cat/20260101T020000Z-full/manifest.json|dbprune: $BATS_TEST_TMPDIR/cat/20260101T020000Z-full/manifest.json: not a directory
extra|dbprune: unexpected argument: 'extra'
$(printf -- '-d x %.0s' $(seq 65))|dbprune: too many options
EOF_TABLE
	[ "$(left)" = "20260101T020000Z-full " ]
}

@test "a backup dated in the future is kept and reported, and never counts as the newest" {
	at '2026-01-01 02:00:00'
	at '2026-01-02 02:00:00'
	# Taken while the clock was 400 days ahead.
	at '2027-02-06 02:00:00'
	prune_at '2026-01-02 12:00:00' --days 0 --keep-last 1
	assert_failure 1
	[ "$stderr" = "dbprune: 20270206T020000Z-full: dated in the future (check the clock), never deleted by a policy" ]
	assert_line --regexp '^delete +20260101T020000Z-full '
	assert_line --regexp '^keep +20260102T020000Z-full .* newest complete full backup; last #1$'
	assert_line --regexp '^keep +20270206T020000Z-full +full +complete +in 399d 14h .* dated in the future \(check the clock\), never deleted by a policy$'
	[ "$(left)" = "20260102T020000Z-full 20270206T020000Z-full " ]
	prune_at '2026-01-02 12:00:00' --days 0 --dry-run --json
	assert_failure 1
	json_is '[.backups[] | "\(.id):\(.action):\(.future)"] | join(" ")' \
		"20260102T020000Z-full:keep:false 20270206T020000Z-full:keep:true"
}

@test "a backup being read is kept this run with what it depends on, and goes once let go" {
	at '2026-01-01 02:00:00'
	at '2026-01-02 02:00:00'
	at '2026-01-03 02:00:00' data
	m=$DB_BACKUP_PATH/20260103T020000Z-data/manifest.json
	jq '.parent = "20260101T020000Z-full"' "$m" >"$m.new" && mv "$m.new" "$m"
	# A reader's lock, as dbrestore holds it while it reads.
	exec 8<"$DB_BACKUP_PATH/20260103T020000Z-data"
	flock -s 8
	for args in --dry-run ''; do
		# shellcheck disable=SC2086
		prune_at '2026-01-04 00:00:00' --days 0 $args
		assert_success
		assert_equal "$stderr" ''
		assert_line --regexp '^keep +20260103T020000Z-data .* in use: a reader holds it, kept this run$'
		assert_line --regexp '^keep +20260101T020000Z-full .* 20260103T020000Z-data depends on it$'
		assert_line --regexp '^3 kept, 0 (would be )?deleted'
	done
	prune_at '2026-01-04 00:00:00' --days 0 --json
	json_is '[.backups[] | "\(.id):\(.action):\(.in_use)"] | join(" ")' \
		"20260101T020000Z-full:keep:false 20260102T020000Z-full:keep:false 20260103T020000Z-data:keep:true"
	[ "$(left)" = "20260101T020000Z-full 20260102T020000Z-full 20260103T020000Z-data " ]
	# A reader that lets go within the wait does not make the prune skip.
	(sleep 0.5; flock -u 8) 3>&- &
	prune_at '2026-01-04 00:00:00' --days 0
	wait
	exec 8<&-
	assert_success
	assert_line --regexp '^delete +20260103T020000Z-data '
	[ "$(left)" = "20260102T020000Z-full " ]
}

@test "the whole report, as text and as JSON, comes from the one result" {
	at '2026-01-01 02:00:00'
	at '2026-01-02 02:00:00'
	at '2026-01-20 02:00:00'
	at '2026-02-01 02:00:00' data
	m=$DB_BACKUP_PATH/20260201T020000Z-data/manifest.json
	jq '.parent = "20260120T020000Z-full"' "$m" >"$m.new" && mv "$m.new" "$m"
	at '2026-02-02 02:00:00'
	dbbackup pin 20260101T020000Z-full
	mkdir "$DB_BACKUP_PATH/20260101T000000Z-full.partial"
	echo hello >"$DB_BACKUP_PATH/notes.txt"
	all="20260101T000000Z-full.partial 20260101T020000Z-full 20260102T020000Z-full 20260120T020000Z-full 20260201T020000Z-data 20260202T020000Z-full notes.txt "
	[ "$(left)" = "$all" ]
	prune_at '2026-02-03 12:00:00' --days 7 --dry-run
	assert_success
	assert_equal "$stderr" ''
	# Sizes vary with the server's version string: masked, and the
	# columns' padding with them.
	diff -u - <(sed -E 's/[0-9.]+ k?B/SIZE/g' <<<"$output" | tr -s ' ') <<'EOF_TEXT'
ACTION BACKUP TYPE STATE AGE SIZE WHY
would delete 20260101T000000Z-full.partial full partial 33d 12h SIZE unfinished backup left by a run that stopped
keep 20260101T020000Z-full full complete 33d 10h SIZE pinned
would delete 20260102T020000Z-full full complete 32d 10h SIZE older than the age limit, kept by no rule
keep 20260120T020000Z-full full complete 14d 10h SIZE 20260201T020000Z-data depends on it
keep 20260201T020000Z-data data complete 2d 10h SIZE within 7 days
keep 20260202T020000Z-full full complete 1d 10h SIZE newest complete full backup; within 7 days
not a backup, left alone: notes.txt
4 kept, 2 would be deleted, SIZE would be freed (dry run: nothing deleted)
EOF_TEXT
	[ "$(left)" = "$all" ]
	prune_at '2026-02-03 12:00:00' --days 7 --json
	assert_success
	assert_equal "$stderr" ''
	json_is .path "$DB_BACKUP_PATH"
	json_is '.freed_bytes == ([.backups[] | select(.action == "delete") | .size_bytes] | add)' true
	diff -u - <(jq -S -c 'del(.path, .backups, .freed_bytes)' <<<"$output"
		jq -S -c '.backups[] | .size_bytes |= (. > 0)' <<<"$output") <<'EOF_JSON'
{"deleted":2,"dry_run":false,"foreign":["notes.txt"],"kept":4,"now":"2026-02-03T12:00:00Z","policy":{"days":7,"keep_daily":0,"keep_last":0,"keep_monthly":0,"keep_weekly":0,"partial_age_s":86400}}
{"action":"delete","age_s":2894400,"directory":"20260101T000000Z-full.partial","future":false,"id":"20260101T000000Z-full","in_use":false,"parent":null,"pinned":false,"reason":"unfinished backup left by a run that stopped","size_bytes":false,"state":"partial","taken_at":"2026-01-01T00:00:00Z","type":"full"}
{"action":"keep","age_s":2887200,"directory":"20260101T020000Z-full","future":false,"id":"20260101T020000Z-full","in_use":false,"parent":null,"pinned":true,"reason":"pinned","size_bytes":true,"state":"complete","taken_at":"2026-01-01T02:00:00Z","type":"full"}
{"action":"delete","age_s":2800800,"directory":"20260102T020000Z-full","future":false,"id":"20260102T020000Z-full","in_use":false,"parent":null,"pinned":false,"reason":"older than the age limit, kept by no rule","size_bytes":true,"state":"complete","taken_at":"2026-01-02T02:00:00Z","type":"full"}
{"action":"keep","age_s":1245600,"directory":"20260120T020000Z-full","future":false,"id":"20260120T020000Z-full","in_use":false,"parent":null,"pinned":false,"reason":"20260201T020000Z-data depends on it","size_bytes":true,"state":"complete","taken_at":"2026-01-20T02:00:00Z","type":"full"}
{"action":"keep","age_s":208800,"directory":"20260201T020000Z-data","future":false,"id":"20260201T020000Z-data","in_use":false,"parent":"20260120T020000Z-full","pinned":false,"reason":"within 7 days","size_bytes":true,"state":"complete","taken_at":"2026-02-01T02:00:00Z","type":"data"}
{"action":"keep","age_s":122400,"directory":"20260202T020000Z-full","future":false,"id":"20260202T020000Z-full","in_use":false,"parent":null,"pinned":false,"reason":"newest complete full backup; within 7 days","size_bytes":true,"state":"complete","taken_at":"2026-02-02T02:00:00Z","type":"full"}
EOF_JSON
	[ "$(left)" = "20260101T020000Z-full 20260120T020000Z-full 20260201T020000Z-data 20260202T020000Z-full notes.txt " ]
}

@test "--partial-age takes a fraction of a unit" {
	mkdir -p "$DB_BACKUP_PATH/20260105T000000Z-full.partial" "$DB_BACKUP_PATH/20260105T080000Z-full.partial"
	prune_at '2026-01-05 12:00:00' --partial-age 0.25d --json
	assert_success
	assert_equal "$stderr" ''
	json_is .policy.partial_age_s 21600
	json_is '[.backups[] | "\(.id):\(.action)"] | join(" ")' \
		"20260105T000000Z-full:delete 20260105T080000Z-full:keep"
	[ "$(left)" = "20260105T080000Z-full.partial " ]
	prune_at '2026-01-05 12:00:00' --partial-age 1.5ms
	assert_failure 2
	[ "${stderr_lines[0]}" = "dbprune: --partial-age: invalid duration: '1.5ms'" ]
}

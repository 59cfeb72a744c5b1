#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# dbhealth --backup-path: the backup_age check on the pseudo-target
# "backups".  setup_file makes one real full and one real schema backup
# with dbbackup; each test copies them into its own catalogue under ids
# of the age it needs (the id is the time the backup was taken), and
# damages or truncates them where it tests that.

# shellcheck disable=SC2154
load helper/common

setup_file() {
	server_start main
	use_server main
	sql main 'CREATE DATABASE shop; CREATE TABLE shop.item (id INT PRIMARY KEY);
		INSERT INTO shop.item VALUES (1), (2), (3)'
	export BK=$BATS_FILE_TMPDIR/made
	dbbackup -d "$BK" full shop >/dev/null
	dbbackup -d "$BK" schema shop >/dev/null
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server main
	CAT=$BATS_TEST_TMPDIR/catalogue
	mkdir "$CAT"
}

# put AGE TYPE [SUFFIX]: copies the real TYPE backup into $CAT as taken
# AGE ago (date -d syntax), with SUFFIX (.partial) after the id if given;
# prints the id.
put() {
	local id made
	id=$(date -u -d "$1" +%Y%m%dT%H%M%SZ)-$2
	made=$(find "$BK" -mindepth 1 -maxdepth 1 -regex ".*Z-$2\(-[0-9]+\)?")
	cp -a "$made" "$CAT/$id${3-}"
	echo "$id"
}

backup_field() {
	check_field backups backup_age "$1"
}

@test "a fresh full backup is ok, on a target of its own named backups" {
	id=$(put '10 minutes ago' full)
	run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_success
	[ -z "$stderr" ]
	json_is .status ok
	json_is '.summary | [.targets, .ok, .warning, .critical, .unreachable] | join(",")' 2,2,0,0,0
	json_is '[.targets[].name] | join(",")' default,backups
	json_is '.targets[1] | [.address, .status, .reachable, .error, .server] | map(tostring) | join(",")' \
		"$CAT,ok,true,null,null"
	json_is '[.targets[1].checks[].name] | join(",")' backup_age,newest_backup_age
	json_is '.targets[1].checks[1] | [.status, .value >= 600, .warning, .critical] | map(tostring) | join(",")' \
		ok,true,null,null
	value=$(backup_field value)
	(( value >= 600 && value < 660 )) || fail "age $value"
	[[ $(backup_field message) =~ ^$id,\ 10m(\ [0-9]+s)?\ old$ ]] || fail "message: $(backup_field message)"
	run --separate-stderr dbhealth -d "$CAT"
	assert_success
	assert_line --index 0 'status: ok (2 targets: 2 ok, 0 warning, 0 critical, 0 unreachable)'
	assert_line --regexp "^backups +backup_age +ok +6[0-9]{2} s +>93600 +>180000 +$id, 10m"
}

@test "the JSON shape of backup_age" {
	put '1 hour ago' full
	run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_success
	json_is '.targets[1].checks[] | select(.name == "backup_age") | [.name, .source, .status, (.value | type), .unit, .warning, .critical] | map(tostring) | join(",")' \
		backup_age,null,ok,number,s,93600,180000
}

@test "a full backup 30 hours old warns" {
	id=$(put '30 hours ago' full)
	run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_failure 1
	json_is .status degraded
	json_is '.targets[1].status' warning
	[ "$(backup_field status)" = warning ]
	[ "$(backup_field message)" = "$id, 1d 6h old: above warning level 1d 2h" ]
	run --separate-stderr dbhealth -f nagios --backup-path "$CAT"
	assert_failure 1
	assert_output --regexp "^DBHEALTH WARNING - backups: backup_age warning \($id, 1d 6h old: above warning level 1d 2h\) \| .* 'backups_backup_age'=108[0-9]{3}s;93600;180000 'backups_newest_backup_age'=108[0-9]{3}s;;$"
	run --separate-stderr dbhealth -f prometheus --backup-path "$CAT"
	assert_failure 1
	assert_line 'dbkit_up{target="backups"} 1'
	assert_line 'dbkit_check_status{target="backups",check="backup_age"} 1'
	assert_line --regexp '^dbkit_check_value\{target="backups",check="backup_age",unit="s"\} 108[0-9]{3}$'
	assert_line 'dbkit_status 1'
}

@test "a full backup 3 days old is critical" {
	id=$(put '3 days ago' full)
	run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_failure 2
	json_is .status critical
	[ "$(backup_field status)" = critical ]
	[ "$(backup_field message)" = "$id, 3d old: above critical level 2d 2h" ]
}

@test "the newest complete full backup counts, not a newer schema backup" {
	old=$(put '3 days ago' full)
	put '1 hour ago' schema
	run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_failure 2
	[[ $(backup_field message) == "$old, 3d old"* ]]
}

@test "only a schema backup is critical: no complete full backup" {
	put '1 hour ago' schema
	run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_failure 2
	[ "$(backup_field status)" = critical ]
	[ "$(backup_field message)" = "no complete full backup in $CAT" ]
	[ "$(backup_field value)" = null ]
	[ "$(backup_field critical)" = 180000 ]
}

@test "an empty catalogue is critical: no complete full backup" {
	run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_failure 2
	[ "$(backup_field message)" = "no complete full backup in $CAT" ]
}

@test "an unfinished full backup does not count" {
	id=$(put '1 hour ago' full .partial)
	run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_failure 2
	[ "$(backup_field message)" = "no complete full backup in $CAT ($id.partial is unfinished)" ]
	old=$(put '30 hours ago' full)
	run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_failure 1
	[ "$(backup_field message)" = "$old, 1d 6h old: above warning level 1d 2h (newer $id.partial is unfinished)" ]
}

@test "a damaged newest full backup does not count" {
	old=$(put '30 hours ago' full)
	new=$(put '1 hour ago' full)
	echo garbage >"$CAT/$new/manifest.json"
	run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_failure 1
	[ "$(backup_field status)" = warning ]
	[ "$(backup_field message)" = "$old, 1d 6h old: above warning level 1d 2h (newer $new is damaged)" ]
	rm -r "${CAT:?}/$old"
	run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_failure 2
	[ "$(backup_field message)" = "no complete full backup in $CAT ($new is damaged)" ]
}

@test "a catalogue that cannot be read is critical with the reason" {
	run --separate-stderr dbhealth --json --backup-path "$CAT/nosuch"
	assert_failure 2
	[ -z "$stderr" ]
	json_is .status critical
	json_is '.targets[1] | [.status, .reachable] | join(",")' critical,true
	[ "$(backup_field message)" = "$CAT/nosuch: No such file or directory" ]
	[ "$(backup_field value)" = null ]
	touch "$CAT/file"
	run --separate-stderr dbhealth --json --backup-path "$CAT/file"
	assert_failure 2
	[ "$(backup_field message)" = "$CAT/file: not a directory" ]
}

@test "-w, -c and DB_MONITOR_*_BACKUP_AGE set the levels, durations allowed" {
	put '30 hours ago' full
	run --separate-stderr dbhealth --json --backup-path "$CAT" -w backup_age=2d
	assert_success
	[ "$(backup_field warning)" = 172800 ]
	run --separate-stderr dbhealth --json --backup-path "$CAT" -c backup_age=1d
	assert_failure 2
	[[ $(backup_field message) == *": above critical level 1d" ]]
	run --separate-stderr dbhealth --json --backup-path "$CAT" -w backup_age=none
	assert_success
	[ "$(backup_field warning)" = null ]
	DB_MONITOR_WARN_BACKUP_AGE=31h run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_success
	[ "$(backup_field warning)" = 111600 ]
	DB_MONITOR_CRIT_BACKUP_AGE=100000 run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_failure 2
	DB_MONITOR_CRIT_BACKUP_AGE=soon run --separate-stderr dbhealth --backup-path "$CAT"
	assert_failure 3
	[ "${stderr_lines[0]}" = "dbhealth: DB_MONITOR_CRIT_BACKUP_AGE: invalid duration: 'soon'" ]
}

@test "--backup-check checks DB_BACKUP_PATH, which alone adds no check" {
	put '30 hours ago' full
	DB_BACKUP_PATH=$CAT run --separate-stderr dbhealth --json
	assert_success
	json_is '.targets | length' 1
	DB_BACKUP_PATH=$CAT run --separate-stderr dbhealth --json --backup-check
	assert_failure 1
	json_is .targets[1].address "$CAT"
	[ "$(backup_field status)" = warning ]
	# The flag wins over the environment, as in dbbackup.
	DB_BACKUP_PATH=$CAT run --separate-stderr dbhealth --json --backup-path "$CAT/nosuch"
	assert_failure 2
	json_is .targets[1].address "$CAT/nosuch"
	# The default is dbbackup's: storage/backups in the current directory.
	mkdir -p "$BATS_TEST_TMPDIR/storage"
	mv "$CAT" "$BATS_TEST_TMPDIR/storage/backups"
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr dbhealth --json --backup-check
	assert_failure 1
	json_is .targets[1].address storage/backups
}

@test "the backups target does not hide an unreachable server" {
	put '1 hour ago' full
	port=$(free_port)
	run --separate-stderr dbhealth --json --backup-path "$CAT" "down=127.0.0.1:$port"
	assert_failure 2
	json_is .status critical
	json_is '.summary | [.targets, .ok, .unreachable] | join(",")' 2,1,1
}

@test "backup usage errors exit 3" {
	run --separate-stderr dbhealth --report "$CAT/h" --backup-check
	assert_failure 3
	[ "${stderr_lines[0]}" = "dbhealth: --report reads a history file and checks no server" ]
	run --separate-stderr dbhealth --backup-path "$CAT" "backups=$DB_SOCKET"
	assert_failure 3
	[ "${stderr_lines[0]}" = "dbhealth: two targets are named 'backups'" ]
	run --separate-stderr dbhealth --backup-path
	assert_failure 3
	[ "${stderr_lines[0]}" = "dbhealth: option '--backup-path' requires an argument" ]
}

@test "a backup dated in the future does not count, and is a warning at least" {
	old=$(put '1 hour ago' full)
	# Taken while the clock was 400 days ahead.
	future=$(put '400 days' full)
	run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_failure 1
	assert_equal "$stderr" ''
	json_is .status degraded
	[ "$(backup_field status)" = warning ]
	[ "$(backup_field message)" = "$old, 1h old ($future is dated in the future: check the clock)" ]
	value=$(backup_field value)
	(( value >= 3600 && value < 3660 )) || fail "age $value"
	# It adds to a worse status and to the other notes, never hides them.
	unfinished=$(put '10 minutes ago' full .partial)
	rm -r "${CAT:?}/$old"
	old=$(put '3 days ago' full)
	run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_failure 2
	[ "$(backup_field message)" = "$old, 3d old: above critical level 2d 2h (newer $unfinished.partial is unfinished; $future is dated in the future: check the clock)" ]
	rm -r "${CAT:?}/$old" "${CAT:?}/$unfinished.partial"
	run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_failure 2
	[ "$(backup_field message)" = "no complete full backup in $CAT ($future is dated in the future: check the clock)" ]
	# A clock a little ahead is not "the future".
	rm -r "${CAT:?}/$future"
	soon=$(put '2 minutes' full)
	run --separate-stderr dbhealth --json --backup-path "$CAT"
	assert_success
	[ "$(backup_field message)" = "$soon, 0s old" ]
}

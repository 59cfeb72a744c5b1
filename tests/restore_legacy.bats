#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Backups written before format 1.1 still restore.  The fixture
# tests/fixtures/backup-1.0 is a backup dbkit 0.1.0 wrote of a database
# "legacy" (a table named like its database, views reading views and
# calling a function, a procedure, a trigger, an event made under +02:00);
# its manifest lists no objects and its object files hold no context.  It
# must restore, --test, --sql and --into as a new backup does.

# shellcheck disable=SC2154
load helper/common

setup_file() {
	server_start main
	export LEGACY
	LEGACY=$(echo "$BATS_TEST_DIRNAME"/fixtures/backup-1.0/*-full)
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server main
}

teardown() {
	sql main "DROP DATABASE IF EXISTS legacy; DROP DATABASE IF EXISTS legacy2"
}

# restored DB: what the legacy objects hold and do in database DB.
restored() {
	[ "$(sql main "SELECT COUNT(*), SUM(price) FROM \`$1\`.legacy")" = $'3\t321.50' ]
	[ "$(sql main "SELECT GROUP_CONCAT(id ORDER BY id) FROM \`$1\`.v_a; SELECT SUM(d) FROM \`$1\`.v_calls")" = $'2,3\n12' ]
	sql main "CALL \`$1\`.add_one(4)"
	[ "$(sql main "SELECT msg FROM \`$1\`.log")" = "added 4" ]
	[ "$(sql main "SELECT TIME_ZONE, STATUS FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '$1'")" = $'+02:00\tDISABLED' ]
}

@test "a format 1.0 backup verifies and restores with every object" {
	run --separate-stderr dbrestore --verify "$LEGACY"
	assert_success
	run --separate-stderr dbrestore "$LEGACY"
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	restored legacy
}

@test "a format 1.0 backup passes --test" {
	run --separate-stderr dbrestore --test "$LEGACY"
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	assert_output --regexp ': every table and object matches the backup$'
}

@test "a format 1.0 backup restores through --sql" {
	dbrestore --sql "$LEGACY" | mariadb --no-defaults -uroot -S "$SOCK_main"
	restored legacy
}

@test "a format 1.0 backup restores --into another name, its qualifiers renamed" {
	run --separate-stderr dbrestore --into legacy2 "$LEGACY"
	assert_success
	restored legacy2
	[ -z "$(sql main "SHOW DATABASES LIKE 'legacy'")" ]
	[[ "$(sql main "SHOW CREATE VIEW legacy2.v_z" | cut -f2)" == *'from `legacy2`.`legacy`' ]]
}

#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# lib/pool against a real server, through tests/lib/pooltest: bounds under
# many threads, the acquire timeout and its snapshot, session reset between
# borrowers, idle and lifetime retirement, a KILLed connection replaced, and
# recovery after the server restarts.

# shellcheck disable=SC2154
load helper/common
load helper/one_server

# field NAME: the value of NAME=... in $output.
field() {
	sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$output" | head -n 1
}

@test "sixteen threads never hold more than the pool's maximum, and the numbers add up" {
	DB_POOL_MIN_CONNECTIONS=0 DB_POOL_MAX_CONNECTIONS=4 run --separate-stderr pooltest bounds 16 100
	assert_success
	[ "$(field max_in_use)" -le 4 ]
	[ "$(field peak)" -le 4 ]
	[ "$(field errors)" = 0 ]
	[ "$(field acquisitions)" = 1600 ]
	[ "$(( $(field acquisitions) - $(field reuses) ))" = "$(field created)" ]
	[ "$(field in_use)" = 0 ]
	[ "$(field waits)" -gt 0 ]
}

@test "waiting threads are served in the order they arrived" {
	DB_POOL_MIN_CONNECTIONS=1 DB_POOL_MAX_CONNECTIONS=1 run --separate-stderr pooltest fifo
	assert_success
	[ "$(field order)" = 0,1,2,3 ] || fail "$output"
	[ "$(field waits)" = 4 ]
	[ "$(field timeouts)" = 0 ]
}

@test "a wait past the timeout fails with a snapshot of the pool" {
	DB_POOL_MAX_CONNECTIONS=2 DB_POOL_TIMEOUT=300ms run --separate-stderr pooltest timeout
	assert_success
	assert_line --index 0 "got=no error=pool: no free connection, timed out after 300 ms: 2 open, 2 in use, 0 idle, 0 waiting; last connection error: none"
	[ "$(field timeouts)" = 1 ]
	# Both held past the leak threshold (100 ms in the driver).
	[ "$(field leaks)" = 2 ]
}

@test "DB_POOL_RESET=changed resets a session the server saw change, and only that" {
	DB_POOL_MIN_CONNECTIONS=1 DB_POOL_MAX_CONNECTIONS=1 run --separate-stderr pooltest reset
	assert_success
	[ "${#lines[@]}" = 18 ]
	for line in "${lines[@]:0:17}"; do
		case $line in
		"nothing "*) [[ $line == "nothing clean kept "* ]] || fail "$line" ;;
		# Documented: the trackers do not see an assignment in a SELECT.
		"select_assign "*) [[ $line == "select_assign leaked kept "* ]] || fail "$line" ;;
		*) [[ $line == *" clean reset "* ]] || fail "$line" ;;
		esac
	done
	# No going back to no database: that connection was closed.
	[ "$(field closed_broken)" = 1 ] || fail "$output"
	[ "$(field resets)" -ge 14 ]
	# With a database, the reset puts it back.
	DB_NAME=information_schema DB_POOL_MIN_CONNECTIONS=1 DB_POOL_MAX_CONNECTIONS=1 run --separate-stderr pooltest reset
	assert_success
	assert_line --index 5 "database clean reset [information_schema]"
	[ "$(field closed_broken)" = 0 ]
}

@test "DB_POOL_RESET=always resets every session, never none unless the borrower says it is dirty" {
	DB_POOL_RESET=always DB_POOL_MIN_CONNECTIONS=1 DB_POOL_MAX_CONNECTIONS=1 run --separate-stderr pooltest reset
	assert_success
	for line in "${lines[@]:0:17}"; do
		[[ $line == *" clean reset "* ]] || fail "$line"
	done
	DB_POOL_RESET=never DB_POOL_MIN_CONNECTIONS=1 DB_POOL_MAX_CONNECTIONS=1 run --separate-stderr pooltest reset
	assert_success
	assert_line --index 0 "user_variable leaked kept [0]"
	assert_line --index 8 "open_transaction leaked kept [1]"
	for line in "${lines[@]:0:17}"; do
		case $line in
		*_dirty" "*) [[ $line == *" clean reset "* ]] || fail "$line" ;;
		*) [[ $line == *" kept "* ]] || fail "$line" ;;
		esac
	done
	DB_POOL_RESET=sometimes run --separate-stderr pooltest reset
	assert_failure 2
	[ "$stderr" = "pooltest: DB_POOL_RESET: invalid value: 'sometimes' (one of: changed always never)" ]
}

@test "idle connections above the minimum close, old ones retire" {
	DB_POOL_MIN_CONNECTIONS=1 DB_POOL_IDLE_TIMEOUT=1 run --separate-stderr pooltest idle
	assert_success
	[ "$(field open)" = 1 ]
	[ "$(field closed_idle)" = 3 ]
	DB_POOL_MAX_LIFETIME=1 run --separate-stderr pooltest lifetime
	assert_success
	[ "$(field works)" = yes ]
	[ "$(field closed_lifetime)" -ge 1 ]
}

@test "a connection killed on the server is replaced, never handed out again" {
	run --separate-stderr pooltest kill
	assert_success
	[ "$(field query_after_kill)" = failed ]
	[ "$(field new_connection)" = yes ]
	[ "$(field works)" = yes ]
	[ "$(field closed_broken)" = 1 ] || fail "$output"
}

@test "the pool recovers after the server restarts" {
	# Long enough for a restart on a loaded machine to end well before it.
	DB_POOL_TIMEOUT=200ms pooltest loop 10 >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	sleep 1.5
	server_stop main --keep
	sleep 1
	server_restart main
	wait "$pid"
	output=$(cat "$BATS_TEST_TMPDIR/out")
	[ "$(field failed)" -gt 0 ] || fail "$output"
	[ "$(field ok_after_failure)" -gt 0 ] || fail "$output"
	[ "$(field closed_broken)" -gt 0 ] || fail "$output"
}

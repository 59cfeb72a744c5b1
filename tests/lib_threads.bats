#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# lib/workers and lib/progress through tests/lib/threadtest, without a
# server: every job runs once, each worker has its own state, the first
# failure wins and no job is handed out after it, one worker runs in the
# caller's thread; the progress line adds up what threads count and ends
# with the final line.  The programs' own suites (dbbackup, dbrestore,
# dbhealth) test the pool and the line with a server.

load helper/common

@test "every job runs exactly once, shared by the workers, each started and stopped once" {
	run --separate-stderr threadtest run 4 200
	assert_success
	assert_output "ran=200 twice=0 starts=4 stops=4 handed_back=200 wrong_done=0 asked_after_failure=0 in_caller=no workers_used=many"
	assert_equal "$stderr" ""
}

@test "one worker runs in the caller's thread, and none runs nothing" {
	run --separate-stderr threadtest run 1 10
	assert_success
	assert_output "ran=10 twice=0 starts=1 stops=1 handed_back=10 wrong_done=0 asked_after_failure=0 in_caller=yes workers_used=one"
	run --separate-stderr threadtest run 0 10
	assert_success
	assert_output "ran=0 twice=0 starts=0 stops=0 handed_back=0 wrong_done=0 asked_after_failure=0 in_caller=no workers_used=none"
	assert_equal "$stderr" ""
}

@test "the first failure is reported and no job is handed out after it" {
	run --separate-stderr threadtest run 4 200 fail-job=37
	assert_failure 1
	assert_line --index 1 "error: job 37: failed"
	# Jobs 0-37 were handed out in order, and those the other workers
	# took while 37 ran; next() was never called once it had failed.
	[[ ${lines[0]} =~ ^ran=([0-9]+)\ twice=0\ starts=4\ stops=4\ handed_back=[0-9]+\ wrong_done=0\ asked_after_failure=0 ]] ||
		fail "got: ${lines[0]}"
	((BASH_REMATCH[1] >= 38 && BASH_REMATCH[1] < 200)) || fail "ran ${BASH_REMATCH[1]} jobs"
	assert_equal "$stderr" ""
}

@test "when every job fails one message is kept, and no worker takes a second job" {
	run --separate-stderr threadtest run 4 50 fail-all
	assert_failure 1
	assert_equal "${#lines[@]}" 2
	assert_line --index 1 --regexp '^error: job [0-3]: failed$'
	[[ ${lines[0]} =~ ^ran=([1-4])\ twice=0\ starts=4\ stops=4\ handed_back=0\ wrong_done=0\ asked_after_failure=0 ]] ||
		fail "got: ${lines[0]}"
}

@test "a worker that cannot start fails the run and is not stopped" {
	run --separate-stderr threadtest run 3 10 fail-start=1
	assert_failure 1
	assert_line --index 1 "error: worker 1: cannot start"
	[[ ${lines[0]} =~ starts=3\ stops=2\ .*wrong_done=0\ asked_after_failure=0 ]] ||
		fail "got: ${lines[0]}"
}

@test "a long job sees another's failure and gives up, and the next job is never taken" {
	run --separate-stderr threadtest giveup
	assert_success
	assert_output "rc=-1 saw_failure=yes job2_taken=no error=job 1: failed"
}

@test "the progress line adds up the totals and what threads counted, and ends with the final line" {
	# Not through run: it trims the spaces and the newline the line ends in.
	threadtest progress >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	assert_file_empty "$BATS_TEST_TMPDIR/out"
	# Each line follows a carriage return, padded with four spaces; the
	# last ends the output with a newline.  Stopping a progress never
	# started printed nothing before the first.
	assert_equal "$(head -c 1 "$BATS_TEST_TMPDIR/err" | od -An -c | tr -d ' ')" '\r'
	IFS=$'\r' read -r -d '' -a shown <"$BATS_TEST_TMPDIR/err" || true
	[[ ${shown[0]} =~ ^threadtest:\ 2/3\ chunks,\ 2000\ of\ ~15000\ rows,\ 2\.0\ MB,\ [0-9.]+\ MB/s,\ ETA\ [0-9]+s\ {4}$ ]] ||
		fail "running line: '${shown[0]}'"
	[[ ${shown[-1]} =~ ^threadtest:\ 2/3\ chunks,\ 2000\ rows,\ 2\.0\ MB,\ [0-9.]+\ MB/s\ in\ 0\.[3-9]\ s\ {4}$'\n'$ ]] ||
		fail "final line: '${shown[-1]}'"
}

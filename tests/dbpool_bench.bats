#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# dbpool-bench against a private server: each mode runs and counts, a
# request budget is exact, the point table comes and goes, a fixed rate
# holds, the pool stays within its bound, and the failure table.

# shellcheck disable=SC2154
load helper/common
load helper/one_server

# bench ARGS...: dbpool-bench --json with a short warmup.
bench() {
	run --separate-stderr dbpool-bench --json --warmup 200ms "$@"
}

@test "each mode runs for 1s with 4 clients and reports requests and no errors" {
	for mode in pool connect persistent; do
		bench --mode "$mode" --clients 4 --duration 1s
		assert_success
		[ "$stderr" = '' ] || fail "stderr: $stderr"
		json_is .mode "$mode"
		json_is '.requests > 0' true
		json_is .errors 0
		json_is '.errors_by_kind | length' 0
		json_is '.latency_us.p50 > 0' true
		json_is '.latency_us.p50 <= .latency_us.p99 and .latency_us.p99 <= .latency_us.max' true
		json_is '.connections_opened > 0' true
	done
}

@test "pool mode reports the pool's statistics; the others report none" {
	bench --mode pool --clients 4 --duration 1s
	assert_success
	json_is '.pool.acquisitions >= .requests' true
	json_is '.connections_opened == .pool.created' true
	bench --mode persistent --clients 4 --duration 1s
	assert_success
	json_is .pool null
	json_is .connections_opened 4
}

@test "connect mode opens a connection per request" {
	bench --mode connect --clients 2 --requests 50 --warmup 0
	assert_success
	json_is .requests 50
	json_is .connections_opened 50
}

@test "--mode all runs every mode and gives the ratios to persistent" {
	bench --mode all --clients 4 --duration 1s
	assert_success
	json_is '.runs | keys | sort | join(",")' connect,persistent,pool
	json_is '[.runs[] | .requests > 0 and .errors == 0] | all' true
	json_is '.ratios_to_persistent | keys | sort | join(",")' connect,pool
	json_is '.ratios_to_persistent.pool.requests_per_s > 0' true
}

@test "--requests 200 does exactly 200" {
	for mode in pool connect persistent; do
		bench --mode "$mode" --clients 8 --requests 200
		assert_success
		json_is .requests 200
		json_is .requests_limit 200
		json_is .duration_s null
	done
}

@test "the point workload on a table --prepare fills and --cleanup drops" {
	bench --workload point --rows 5000 --prepare --clients 4 --requests 300
	assert_success
	json_is .workload point
	json_is .requests 300
	json_is .errors 0
	[ "$(sql main 'SELECT COUNT(*) FROM dbkit_bench.pool_t')" = 5000 ]
	bench --workload point --rows 5000 --clients 2 --requests 100 --cleanup
	assert_success
	json_is .errors 0
	[ "$(sql main "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'dbkit_bench'")" = 0 ]
	[ "$(sql main "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'dbkit_bench'")" = 0 ]
}

@test "the point workload without its table cannot run" {
	bench --workload point --requests 10
	assert_failure 1
	assert_output ''
	[ "$stderr" = "dbpool-bench: dbkit_bench.pool_t: no such table (create it with --prepare)" ]
}

@test "--query runs the user's statement and counts its errors by code" {
	bench --query 'SELECT COUNT(*) FROM information_schema.schemata' --requests 20
	assert_success
	json_is .workload query
	json_is .errors 0
	bench --query 'SELECT * FROM no_such_db.t' --requests 20 --clients 2
	assert_success
	json_is .requests 20
	json_is .errors 20
	json_is '.errors_by_kind[0].kind' 1146
	json_is '.errors_by_kind[0].count' 20
}

@test "a killed connection is counted, never reused, and the run goes on" {
	# KILL of its own connection: the server answers 1927 and the
	# connection is gone, so the pool must close it and the persistent
	# client open a new one.
	bench --mode pool --query 'KILL CONNECTION_ID()' --warmup 0 --clients 2 --requests 20
	assert_success
	json_is .requests 20
	json_is .errors 20
	json_is '.errors_by_kind | map("\(.kind)=\(.count)") | join(",")' 1927=20
	json_is .pool.closed_broken 20
	bench --mode persistent --query 'KILL CONNECTION_ID()' --warmup 0 --clients 2 --requests 20
	assert_success
	json_is .errors 20
	json_is '.errors_by_kind | map("\(.kind)=\(.count)") | join(",")' 1927=20
	json_is .connections_opened 20
}

@test "a server restart mid-run fails only the requests in flight; the pool reconnects" {
	dbpool-bench --json --mode pool --clients 4 --duration 6s --warmup 0 \
		--think 5ms --pool-timeout 300ms >"$BATS_TEST_TMPDIR/out" 2>/dev/null &
	pid=$!
	sleep 1.5
	server_stop main --keep
	sleep 1
	server_restart main
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ]
	output=$(cat "$BATS_TEST_TMPDIR/out")
	(( $(jq .errors <<<"$output") > 0 ))
	(( $(jq .requests <<<"$output") > 100 ))
	(( $(jq .pool.closed_broken <<<"$output") > 0 ))
	# Requests succeed again after the restart: more than the 1.5 s before.
	(( $(jq .pool.created <<<"$output") > 4 ))
}

@test "--rate 100 for 2s gives about 200 requests" {
	bench --rate 100 --duration 2s --clients 4
	assert_success
	json_is '.requests >= 190 and .requests <= 201' true
	json_is .rate 100
	json_is '.requests_per_s >= 95 and .requests_per_s <= 101' true
}

# timed ARGS...: dbpool-bench --json ARGS under a 20 s timeout (a run
# that does not end is a failure, not a hang); its wall time in $ms.
timed() {
	local t0
	t0=$(date +%s%N)
	run --separate-stderr timeout 20 dbpool-bench --json --warmup 0 "$@"
	ms=$((($(date +%s%N) - t0) / 1000000))
}

@test "--duration 1s ends at 1s with --think 1h, in every mode" {
	for mode in pool connect persistent; do
		timed --mode "$mode" --clients 2 --duration 1s --think 1h
		assert_success
		[ -z "$stderr" ] || fail "$mode: stderr: $stderr"
		((ms >= 1000 && ms < 2000)) || fail "$mode: took $ms ms"
		# One request each, then the think time until the end.
		json_is '[.requests, .errors, .unfinished] | join(",")' 2,0,0
	done
}

@test "--duration 1s ends at 1s with a statement that would run for an hour" {
	for mode in pool connect persistent; do
		timed --mode "$mode" --clients 3 --duration 1s --query 'SELECT SLEEP(3600)'
		assert_success
		[ -z "$stderr" ] || fail "$mode: stderr: $stderr"
		((ms >= 1000 && ms < 2500)) || fail "$mode: took $ms ms"
		# Ended, and counted as unfinished: not requests, not errors.
		json_is '[.requests, .errors, .unfinished] | join(",")' 0,0,3
		json_is '.errors_by_kind | length' 0
		# Nothing is left running on the server.
		[ "$(sql main "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP%'")" = 0 ]
	done
	# The text report says so; short statements before the end count.
	run --separate-stderr timeout 20 dbpool-bench --warmup 0 --clients 1 --duration 1s \
		--query 'SELECT SLEEP(0.3)'
	assert_success
	assert_line 'workload query: SELECT SLEEP(0.3); 1 client, 1 s after a 0 s warmup'
	assert_line --regexp '^pool +3 '
	assert_line 'pool: 1 request still running at the end of the run, ended and not counted'
}

@test "the text report says 1 client and 1 request, 2 clients and 2 requests" {
	run --separate-stderr dbpool-bench --warmup 0 --clients 1 --requests 1
	assert_success
	assert_line 'workload select1: SELECT 1; 1 client, 1 request after a 0 s warmup'
	assert_line --regexp '^pool: created [0-9]+, peak open [0-9]+, open [0-9]+ at the end; 1 acquisition, .*; 0 leaks$'
	run --separate-stderr dbpool-bench --warmup 0 --clients 2 --requests 2
	assert_success
	assert_line 'workload select1: SELECT 1; 2 clients, 2 requests after a 0 s warmup'
}

@test "--pool-max 2 keeps the bench at 2 server connections with 8 clients" {
	# Counted on the server too, halfway through the run.
	dbpool-bench --json --warmup 0 --mode pool --pool-max 2 --clients 8 \
		--think 10ms --duration 2s >"$BATS_TEST_TMPDIR/out" &
	sleep 1
	open=$(sql main "SELECT COUNT(*) FROM information_schema.processlist WHERE user = 'dbk_admin'")
	wait $!
	[ "$open" -le 2 ] || fail "$open connections on the server"
	output=$(cat "$BATS_TEST_TMPDIR/out")
	json_is '.requests > 0' true
	json_is .errors 0
	json_is '.pool.peak_open <= 2' true
	json_is '.pool.created <= 2' true
	json_is '.pool.waits > 0' true
}

@test "DB_POOL_MAX_CONNECTIONS bounds the pool too, and the flag wins" {
	DB_POOL_MAX_CONNECTIONS=1 bench --mode pool --pool-min 0 --clients 4 --requests 50
	assert_success
	json_is .pool.peak_open 1
	DB_POOL_MAX_CONNECTIONS=1 bench --mode pool --pool-min 0 --pool-max 3 --clients 4 --think 5ms --requests 100
	assert_success
	json_is '.pool.peak_open > 1' true
}

@test "a pool too small for its clients counts pool timeouts and completes" {
	bench --mode pool --pool-min 0 --pool-max 1 --pool-timeout 0 --clients 4 --requests 300
	assert_success
	json_is .requests 300
	json_is '.errors > 0' true
	json_is '.errors_by_kind | map(.kind) | join(",")' 'pool timeout'
	json_is '.pool.timeouts >= .errors' true
}

@test "--interval prints progress lines to stderr" {
	run --separate-stderr dbpool-bench --warmup 0 --duration 1s --interval 300ms --clients 2
	assert_success
	[[ $stderr == *"dbpool-bench: pool "*"requests/s"* ]] || fail "stderr: $stderr"
	assert_line --regexp '^MODE +REQUESTS +REQ/S +P50 MS'
	assert_line --regexp '^pool +[0-9]+ +[0-9.]+ '
	assert_line --regexp '^pool: created [0-9]+, peak open'
}

@test "the text report of --mode all compares with persistent" {
	run --separate-stderr dbpool-bench --mode all --warmup 0 --duration 300ms --clients 2
	assert_success
	[ "$stderr" = '' ]
	assert_line --regexp '^MODE .* VS PERSISTENT$'
	assert_line --regexp '^persistent .* 1\.00x$'
	assert_line --regexp '^connect '
}

@test "a server that cannot be reached: exit 1" {
	export DB_SOCKET=$BATS_TEST_TMPDIR/nothing.sock
	run --separate-stderr dbpool-bench --requests 10
	assert_failure 1
	assert_output ''
	[[ $stderr == "dbpool-bench: connect to $DB_SOCKET: "* ]] || fail "stderr: $stderr"
}

@test "usage errors: exit 2" {
	while IFS='|' read -r args message; do
		# shellcheck disable=SC2086
		run --separate-stderr dbpool-bench $args
		assert_failure 2
		assert_output ''
		[[ $stderr == *"$message"* ]] || fail "$args: stderr: $stderr"
		[[ $stderr == *"Try 'dbpool-bench --help' for more information."* ]] || fail "$args: no hint"
	done <<-'EOF'
	--bogus|unrecognized option
	--mode fast|--mode: unknown mode: 'fast'
	--clients 0|--clients:
	--clients 3x|--clients:
	--duration 10q|--duration:
	--requests -1|--requests:
	--duration 1s --requests 5|--duration and --requests exclude each other
	--workload nope|--workload: unknown workload: 'nope'
	--workload point --query SELECT|--query and --workload exclude each other
	--prepare|--prepare: only with --workload point
	--think 1ms --rate 10|--think and --rate exclude each other
	--rate 0|--rate:
	--interval 1ms|--interval:
	--pool-max 0|pool-max
	--pool-min 5 --pool-max 2|--pool-min 5 is above --pool-max 2
	--pool-reset sometimes|--pool-reset: invalid value: 'sometimes' (one of: changed always never)
	extra|unexpected argument: 'extra'
	EOF
}

@test "--help lists every option and exits 0" {
	run --separate-stderr dbpool-bench --help
	assert_success
	[ "$stderr" = '' ]
	for opt in $(sed -n 's/.*{ "\([a-z][a-z0-9-]*\)",.*/\1/p' \
		"$BATS_TEST_DIRNAME/../dbpool-bench/dbpool-bench.c" \
		"$BATS_TEST_DIRNAME/../lib/settings.h"); do
		[[ $output == *"--$opt"* ]] || fail "--$opt is not in --help"
		grep -q -- "Fl -$opt\b" "$BATS_TEST_DIRNAME/../man/dbpool-bench.1" ||
			fail "--$opt is not in dbpool-bench(1)"
	done
}

@test "durations take fractions: --warmup 0.5s, --duration 0.3s" {
	bench --mode persistent --clients 2 --warmup 0.5s --duration 0.3s
	assert_success
	[ "$stderr" = '' ]
	json_is .warmup_s 0.5
	json_is .duration_s 0.3
	json_is '.elapsed_s >= 0.25 and .elapsed_s < 1' true
	run --separate-stderr dbpool-bench --warmup 0.5ms
	assert_failure 2
	assert_output ''
	[ "${stderr_lines[0]}" = "dbpool-bench: --warmup: invalid duration: '0.5ms'" ]
}

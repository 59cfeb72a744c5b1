#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# dbhealth over time: --watch, --history, --report and --alert-command, and
# a server killed in the middle of a watch.  Report tests use history files
# written here with chosen times, so the figures are exact.

# shellcheck disable=SC2154
load helper/common
load helper/one_server

# history_line TIME STATUS TARGET TARGET_STATUS REACHABLE RESPONSE_MS: one
# line as dbhealth --history writes it, trimmed to what --report reads.
history_line() {
	jq -cn --arg at "$1" --arg st "$2" --arg t "$3" --arg ts "$4" \
		--argjson up "$5" --argjson ms "$6" \
		'{status: $st, checked_at: $at, targets: [{name: $t, status: $ts,
		  reachable: $up, checks: [{name: "response_time", value: $ms}]}]}'
}

@test "--watch with --json prints one compact document per run" {
	run --separate-stderr dbhealth --watch 200ms --count 3 --json
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	for line in "${lines[@]}"; do
		[ "$(jq -r .status <<<"$line")" = ok ]
	done
	# Runs start one interval apart.
	t0=$(jq -r .checked_at <<<"${lines[0]}")
	t2=$(jq -r .checked_at <<<"${lines[2]}")
	(( $(date -d "$t2" +%s) - $(date -d "$t0" +%s) <= 1 ))
}

@test "--watch in text separates the reports by an empty line" {
	run --separate-stderr dbhealth --watch 100ms --count 2
	assert_success
	[ "$(grep -c '^status: ok' <<<"$output")" -eq 2 ]
	[ "$(grep -c '^$' <<<"$output")" -eq 3 ]
}

@test "--watch stops on SIGTERM with the last run's status" {
	dbhealth --watch 100ms --json >"$BATS_TEST_TMPDIR/out" &
	pid=$!
	sleep 1
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ]
	(( $(wc -l <"$BATS_TEST_TMPDIR/out") >= 3 ))
}

@test "--history appends one JSON line per run, readable only by the owner" {
	hist=$BATS_TEST_TMPDIR/health.jsonl
	run --separate-stderr dbhealth --history "$hist"
	assert_success
	run --separate-stderr dbhealth --watch 100ms --count 2 --history "$hist" -f nagios
	assert_success
	[ "$(wc -l <"$hist")" -eq 3 ]
	[ "$(jq -r .status "$hist" | sort -u)" = ok ]
	[ "$(stat -c %a "$hist")" = 600 ]
}

@test "a server killed during --watch turns the run critical" {
	server_start victim
	victim_sock=$SOCK_victim
	dbhealth --watch 1s --count 4 --json "v=$victim_sock" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	sleep 0.5
	server_kill victim
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 2 ]
	mapfile -t runs <"$BATS_TEST_TMPDIR/out"
	[ "${#runs[@]}" -eq 4 ]
	[ "$(jq -r .status <<<"${runs[0]}")" = ok ]
	[ "$(jq -r .status <<<"${runs[3]}")" = critical ]
	[[ "$(jq -r '.targets[0].error' <<<"${runs[3]}")" == "connect to $victim_sock: Can't connect to local server through socket '$victim_sock' ("* ]]
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
	server_stop victim
}

@test "--report summarises availability, response times, time in status and incidents" {
	hist=$BATS_TEST_TMPDIR/h.jsonl
	{
		history_line 2026-11-01T00:00:00Z ok db1 ok true 1
		history_line 2026-11-01T00:01:00Z ok db1 ok true 2
		history_line 2026-11-01T00:02:00Z critical db1 critical false null
		history_line 2026-11-01T00:05:00Z ok db1 ok true 3
		history_line 2026-11-01T00:06:00Z ok db1 ok true 100
	} >"$hist"
	run --separate-stderr dbhealth --report "$hist" --json
	assert_success
	json_is '[.from, .to, .runs, .skipped_lines] | join(",")' 2026-11-01T00:00:00Z,2026-11-01T00:06:00Z,5,0
	json_is '.overall.seconds_in_status | [.ok, .degraded, .critical] | join(",")' 180,0,180
	json_is '.targets[0] | [.name, .runs, .availability_pct] | join(",")' db1,5,80
	json_is '.targets[0].response_ms | [.p50, .p95, .max] | join(",")' 2,100,100
	json_is '.targets[0].seconds_in_status | [.ok, .warning, .critical] | join(",")' 180,0,180
	json_is '[.incidents[] | [.at, (.target // "-"), .from, .to] | join(" ")] | join(";")' \
		"2026-11-01T00:02:00Z - ok critical;2026-11-01T00:02:00Z db1 ok critical;2026-11-01T00:05:00Z - critical ok;2026-11-01T00:05:00Z db1 critical ok"

	run --separate-stderr dbhealth --report "$hist"
	assert_success
	assert_line 'runs: 5 from 2026-11-01T00:00:00Z to 2026-11-01T00:06:00Z'
	assert_line 'overall: ok 3m, degraded 0s, critical 3m'
	assert_line --regexp '^db1 +5 +80.00% +2.0 +100.0 +100.0 +3m +0s +3m$'
	assert_line 'incidents: 4'
	assert_line '2026-11-01T00:02:00Z  db1  ok -> critical'
}

@test "--report in text shows the figures of its JSON, rounded for reading" {
	hist=$BATS_TEST_TMPDIR/h.jsonl
	{
		history_line 2026-11-01T00:00:00Z ok db1 ok true 1.25
		history_line 2026-11-01T00:00:30Z critical db1 critical false null
		history_line 2026-11-01T01:30:30Z ok db1 ok true 0.0004
		history_line 2026-11-01T01:31:00Z degraded db2 critical false null
	} >"$hist"
	run --separate-stderr dbhealth --report "$hist" --json
	assert_success
	[ -z "$stderr" ]
	json_is '.targets[0] | [.availability_pct, .response_ms.p50, .response_ms.p95, .response_ms.max] | join(",")' 66.667,0,1.25,1.25
	json_is '.targets[1].response_ms | [.p50, .p95, .max] | map(tostring) | join(",")' null,null,null
	json_is '.overall.seconds_in_status | [.ok, .degraded, .critical] | join(",")' 60,0,5400
	json_is '.incidents | length' 5
	run --separate-stderr dbhealth --report "$hist"
	assert_success
	[ -z "$stderr" ]
	assert_output - <<'EOF'
runs: 4 from 2026-11-01T00:00:00Z to 2026-11-01T01:31:00Z
overall: ok 1m, degraded 0s, critical 1h 30m

TARGET  RUNS  AVAILABLE  P50 MS  P95 MS  MAX MS  OK  WARNING  CRITICAL
db1     3     66.67%     0.0     1.2     1.2     1m  0s       1h 30m
db2     1     0.00%      -       -       -       0s  0s       0s

incidents: 5
2026-11-01T00:00:30Z  (overall)  ok -> critical
2026-11-01T00:00:30Z  db1  ok -> critical
2026-11-01T01:30:30Z  (overall)  critical -> ok
2026-11-01T01:30:30Z  db1  critical -> ok
2026-11-01T01:31:00Z  (overall)  ok -> degraded
EOF
}

@test "--report skips torn and garbled lines and says how many" {
	hist=$BATS_TEST_TMPDIR/h.jsonl
	{
		history_line 2026-11-01T00:00:00Z ok db1 ok true 1
		echo 'not json at all'
		echo '{"status": "ok"}'
		history_line 2026-11-01T00:01:00Z ok db1 ok true 1
		printf '{"status": "ok", "checked_at": "2026-11'
	} >"$hist"
	run --separate-stderr dbhealth --report "$hist" --json
	assert_success
	json_is '[.runs, .skipped_lines] | join(",")' 2,3
	run --separate-stderr dbhealth --report "$BATS_TEST_TMPDIR/missing"
	assert_failure 3
	[ "$stderr" = "dbhealth: report: $BATS_TEST_TMPDIR/missing: No such file or directory" ]
}

@test "--history after a torn last line starts a new line: the new record is intact" {
	hist=$BATS_TEST_TMPDIR/h.jsonl
	dbhealth --history "$hist" >/dev/null
	printf '{"status": "ok", "checked_at": "2026-11' >>"$hist"
	run --separate-stderr dbhealth --history "$hist"
	assert_success
	[ -z "$stderr" ]
	[ "$(wc -l <"$hist")" -eq 3 ]
	# The torn line stays what it was; the new record is a line of its own.
	[ "$(sed -n 2p "$hist")" = '{"status": "ok", "checked_at": "2026-11' ]
	[ "$(sed -n 3p "$hist" | jq -r .status)" = ok ]
	run --separate-stderr dbhealth --report "$hist" --json
	assert_success
	json_is '[.runs, .skipped_lines] | join(",")' 2,1
	run --separate-stderr dbhealth --report "$hist"
	assert_success
	assert_line --regexp '^runs: 2 from .* \(1 unreadable line skipped\)$'
	# A file that ends in a newline gets none added.
	dbhealth --history "$hist" >/dev/null
	[ "$(wc -l <"$hist")" -eq 4 ]
	[ "$(grep -c '^$' "$hist")" -eq 0 ]
	printf 'garbage\n' >>"$hist"
	dbhealth --history "$hist" >/dev/null
	run --separate-stderr dbhealth --report "$hist"
	assert_line --regexp '^runs: 4 from .* \(2 unreadable lines skipped\)$'
}

@test "a real history file round-trips through --report" {
	hist=$BATS_TEST_TMPDIR/h.jsonl
	port=$(free_port)
	dbhealth --history "$hist" "up=$DB_SOCKET" >/dev/null
	run dbhealth --history "$hist" "up=$DB_SOCKET" "down=127.0.0.1:$port"
	assert_failure 1
	run --separate-stderr dbhealth --report "$hist" --json
	assert_success
	json_is '[.targets[] | "\(.name)=\(.runs)/\(.availability_pct)"] | join(",")' up=2/100,down=1/0
	json_is '.incidents[0] | [.from, .to] | join(",")' ok,degraded
}

@test "--alert-command runs on a status change with the JSON on stdin" {
	alert=$BATS_TEST_TMPDIR/alert
	cmd="cat >$alert.json; echo \"\$DBHEALTH_PREVIOUS_STATUS->\$DBHEALTH_STATUS\" >>$alert.log"
	# A first run that is ok has nothing to say.
	run --separate-stderr dbhealth --alert-command "$cmd"
	assert_success
	[ ! -e "$alert.log" ]
	# A first run that is not ok alerts.
	run --separate-stderr dbhealth --alert-command "$cmd" -w response_time=0
	assert_failure 1
	[ "$(cat "$alert.log")" = "->degraded" ]
	[ "$(jq -r .status "$alert.json")" = degraded ]
	# In --watch, each change alerts once.
	rm "$alert.log"
	run --separate-stderr dbhealth --watch 100ms --count 3 --alert-command "$cmd" -c response_time=0
	assert_failure 2
	[ "$(cat "$alert.log")" = "->critical" ]
}

@test "--alert-command compares with the last line of --history" {
	alert=$BATS_TEST_TMPDIR/alert.log
	hist=$BATS_TEST_TMPDIR/h.jsonl
	cmd="echo \"\$DBHEALTH_PREVIOUS_STATUS->\$DBHEALTH_STATUS\" >>$alert"
	dbhealth --history "$hist" --alert-command "$cmd" >/dev/null
	dbhealth --history "$hist" --alert-command "$cmd" >/dev/null
	[ ! -e "$alert" ]
	run dbhealth --history "$hist" --alert-command "$cmd" -c response_time=0
	assert_failure 2
	run dbhealth --history "$hist" --alert-command "$cmd" -c response_time=0
	dbhealth --history "$hist" --alert-command "$cmd" >/dev/null
	[ "$(cat "$alert")" = "ok->critical
critical->ok" ]
}

@test "a failing alert command is reported and does not change the status" {
	run --separate-stderr dbhealth --alert-command 'exit 7' -w response_time=0
	assert_failure 1
	[ "$stderr" = "dbhealth: alert command: exited with status 7" ]
	# Its output goes to stderr: stdout carries the report only.
	run --separate-stderr dbhealth --json --alert-command 'echo noise' -w response_time=0
	assert_failure 1
	jq -e . <<<"$output" >/dev/null
	[ "$stderr" = noise ]
}

@test "a full disk is an error, for the report and for the history" {
	run --separate-stderr bash -c 'dbhealth >/dev/full'
	assert_failure 3
	[ "$stderr" = "dbhealth: write error: No space left on device" ]
	run --separate-stderr dbhealth --history /dev/full
	assert_failure 3
	[ "$stderr" = "dbhealth: history: /dev/full: No space left on device" ]
	run --separate-stderr bash -c 'dbhealth --report "$1" >/dev/full' _ "$BATS_TEST_FILENAME"
	assert_failure 3
	[ "$stderr" = "dbhealth: write error: No space left on device" ]
}

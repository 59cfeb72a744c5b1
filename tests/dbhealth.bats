#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# dbhealth against one real private mariadbd: every output format, the
# thresholds and where they come from, the privileges a monitoring user
# has or lacks, and the failure table (bad flags, bad values, bad targets,
# server down, wrong password).

# shellcheck disable=SC2154
load helper/common
load helper/one_server

@test "a healthy server reports ok in text, status first" {
	run --separate-stderr dbhealth
	assert_success
	assert_line --index 0 --regexp '^status: ok \(1 target: 1 ok, 0 warning, 0 critical, 0 unreachable\)$'
	assert_line --regexp '^TARGET +CHECK +STATUS +VALUE +WARN +CRIT +MESSAGE$'
	assert_line --regexp '^default +response_time +ok +[0-9.]+ ms +>1000 +>5000'
	assert_line --regexp '^default +longest_query +ok +0 ms'
	[ -z "$stderr" ]
}

@test "--json gives one document with every server check" {
	run --separate-stderr dbhealth --json
	assert_success
	json_is .status ok
	json_is '.summary | [.targets, .ok, .warning, .critical, .unreachable] | join(",")' 1,1,0,0,0
	json_is '.targets[0].name' default
	json_is '.targets[0].reachable' true
	json_is '.targets[0].error' null
	json_is '.targets[0].address' "$DB_SOCKET"
	json_is '.targets[0].server.version' "$(sql main 'SELECT VERSION()')"
	json_is '.targets[0].server.server_id' 1
	json_is '[.targets[0].checks[].name] | join(" ")' \
		"connect response_time version uptime connection_usage available_connections threads_running aborted_connects slow_queries deadlocks buffer_pool_hit read_only longest_query"
	json_is '[.targets[0].checks[] | select(.status != "ok")] | length' 0
	json_is '.checked_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")' true
	json_is '.targets[0].checks[] | select(.name == "response_time") | [.unit, .warning, .critical] | join(",")' ms,1000,5000
	json_is '.targets[0].checks[] | select(.name == "response_time") | .value | type' number
	json_is '.targets[0].checks[] | select(.name == "version") | .unit' null
	json_is '.targets[0].checks[] | select(.name == "read_only") | .value' OFF
}

@test "connection usage matches the server's own counters" {
	sql main 'SET GLOBAL max_connections = 40'
	run --separate-stderr dbhealth --json
	sql main 'SET GLOBAL max_connections = 151'
	assert_success
	# Our connection and nothing else: 1 of 40 connections.
	[ "$(check_field default available_connections value)" = 39 ]
	[ "$(check_field default connection_usage value)" = 2.5 ]
}

@test "the counter checks are the server's own status counters" {
	# Make two of them more than 0: a failed login and a slow statement.
	run mariadb --no-defaults -uroot -pwrong -S "$DB_SOCKET" -e 'SELECT 1'
	assert_failure
	sql main 'SET SESSION long_query_time = 0; SELECT 1' >/dev/null
	run --separate-stderr dbhealth --json
	assert_success
	[ -z "$stderr" ]
	for pair in aborted_connects=ABORTED_CONNECTS slow_queries=SLOW_QUERIES \
		deadlocks=INNODB_DEADLOCKS; do
		want=$(sql main "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
			WHERE VARIABLE_NAME = '${pair#*=}'")
		[ "$(check_field default "${pair%=*}" value)" = "$want" ] ||
			fail "${pair%=*}: $(check_field default "${pair%=*}" value), the server says $want"
		[ "$(check_field default "${pair%=*}" unit)" = count ]
	done
	(( $(check_field default aborted_connects value) > 0 ))
	(( $(check_field default slow_queries value) > 0 ))
	# dbhealth's own statement runs while the server counts.
	(( $(check_field default threads_running value) >= 1 ))
	[ "$(check_field default threads_running unit)" = count ]
}

@test "--format prometheus is the text exposition format" {
	run --separate-stderr dbhealth --format prometheus
	assert_success
	assert_line 'dbkit_up{target="default"} 1'
	assert_line 'dbkit_status 0'
	assert_line 'dbkit_check_status{target="default",check="uptime"} 0'
	assert_line --regexp '^dbkit_check_value\{target="default",check="response_time",unit="ms"\} [0-9.]+$'
	assert_line '# TYPE dbkit_check_value gauge'
	# Every sample line is NAME{LABELS} NUMBER or NAME NUMBER.
	run bash -c "grep -v '^#' <<<\"\$1\" | grep -Ev '^dbkit_[a-z_]+(\{[^}]*\})? -?[0-9.]+$'" _ "$output"
	assert_failure
}

@test "--format nagios prints one status line with perfdata" {
	run --separate-stderr dbhealth -f nagios
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	assert_output --regexp "^DBHEALTH OK - 1 of 1 target ok \| 'default_connect'=[0-9.]+ms;; 'default_response_time'=[0-9.]+ms;1000;5000 .*'default_uptime'=[0-9]+s;0:; "
	run --separate-stderr dbhealth -f nagios "a=$DB_SOCKET" "b=$DB_SOCKET"
	assert_success
	assert_output --regexp "^DBHEALTH OK - 2 of 2 targets ok \| 'a_connect'="
	# Problems are listed worst first, whatever the order of the checks.
	run --separate-stderr dbhealth -f nagios -w response_time=0 -c connection_usage=0
	assert_failure 2
	assert_output --regexp "^DBHEALTH CRITICAL - default: connection_usage critical \([0-9.]+% above critical level 0%\); default: response_time warning \([0-9.]+ ms above warning level 0 ms\) \| "
}

@test "a low uptime warns: a recent restart is worth a look" {
	unset DB_MONITOR_WARN_UPTIME
	run --separate-stderr dbhealth --json
	assert_failure 1
	json_is .status degraded
	[ "$(check_field default uptime status)" = warning ]
	[[ "$(check_field default uptime message)" == *"below warning level 600 s: restarted recently" ]]
	run --separate-stderr dbhealth -f nagios
	assert_failure 1
	assert_output --regexp '^DBHEALTH WARNING - default: uptime warning \([0-9]+ s below warning level 600 s'
}

@test "the seed variable sets the critical level and a flag beats it" {
	DB_MONITOR_MAX_POOL_UTIL=0 run --separate-stderr dbhealth --json
	assert_failure 2
	json_is .status critical
	[ "$(check_field default connection_usage status)" = critical ]
	[ "$(check_field default connection_usage critical)" = 0 ]

	DB_MONITOR_MAX_POOL_UTIL=0 run --separate-stderr dbhealth --json -c connection_usage=none
	assert_success
	[ "$(check_field default connection_usage critical)" = null ]
}

@test "DB_MONITOR_WARN_ and _CRIT_ set any check's levels, durations allowed" {
	DB_MONITOR_WARN_AVAILABLE_CONNECTIONS=1000 run --separate-stderr dbhealth --json
	assert_failure 1
	[ "$(check_field default available_connections status)" = warning ]
	DB_MONITOR_CRIT_RESPONSE_TIME=0ms run --separate-stderr dbhealth --json
	assert_failure 2
	[ "$(check_field default response_time critical)" = 0 ]
	DB_MONITOR_MAX_RESPONSE_TIME=2s run --separate-stderr dbhealth --json
	assert_success
	[ "$(check_field default response_time critical)" = 2000 ]
}

@test "a long statement is found in the process list, idle ones are not" {
	mariadb --no-defaults -uroot -S "$DB_SOCKET" -e 'SELECT SLEEP(4)' >/dev/null &
	sleeper=$!
	sleep 1.5
	run --separate-stderr dbhealth --json -w longest_query=1s -c longest_query=1h
	wait "$sleeper"
	assert_failure 1
	[ "$(check_field default longest_query status)" = warning ]
	value=$(check_field default longest_query value)
	(( value >= 1000 && value < 4000 ))
	[[ "$(check_field default longest_query message)" == *"above warning level 1000 ms: thread "*"(root, Query)" ]]
	# The statement's text is not reported: it may hold secrets.
	[[ "$output" != *SLEEP* ]]
}

@test "a user without PROCESS gets unknown checks, not a failed run" {
	export DB_USER=dbk_nopriv DB_PASSWORD=noprivpw
	run --separate-stderr dbhealth --json
	assert_success
	json_is .status ok
	[ "$(check_field default longest_query status)" = unknown ]
	[[ "$(check_field default longest_query message)" == *"needs the PROCESS privilege"* ]]
	[ "$(check_field default longest_query value)" = null ]
	[ "$(check_field default replication_io status)" = unknown ]
	[[ "$(check_field default replication_io message)" == *"REPLICA MONITOR"* ]]
	[ "$(check_field default uptime status)" = ok ]
}

@test "the least-privilege monitoring user sees every check" {
	export DB_USER=dbk_monitor DB_PASSWORD=monitorpw
	run --separate-stderr dbhealth --json
	assert_success
	json_is '[.targets[0].checks[] | select(.status == "unknown")] | length' 0
	[ "$(check_field default longest_query value)" = 0 ]
}

@test "the password comes from a file, an option file or the environment" {
	unset DB_PASSWORD
	run --separate-stderr dbhealth
	assert_failure 2
	printf 'adminpw\n' >"$BATS_TEST_TMPDIR/pw"
	run --separate-stderr dbhealth --password-file "$BATS_TEST_TMPDIR/pw"
	assert_success
	printf '[client]\npassword = "adminpw"\n' >"$HOME/.my.cnf"
	run --separate-stderr dbhealth
	assert_success
}

@test "a wrong password is critical with the server's message and no password" {
	DB_PASSWORD=Sekr1t-wrong run --separate-stderr dbhealth --json
	assert_failure 2
	json_is .status critical
	json_is .targets[0].reachable false
	json_is .targets[0].error "connect to $DB_SOCKET: Access denied for user 'dbk_admin'@'localhost' (using password: YES)"
	json_is .targets[0].server null
	[[ "$output$stderr" != *Sekr1t* ]]
	DB_PASSWORD=Sekr1t-wrong run --separate-stderr dbhealth
	assert_failure 2
	assert_line --index 0 'status: critical (1 target: 0 ok, 0 warning, 0 critical, 1 unreachable)'
	[[ "$output$stderr" != *Sekr1t* ]]
}

@test "a server that is down is critical with the reason" {
	port=$(free_port)
	run --separate-stderr dbhealth --json "down=127.0.0.1:$port"
	assert_failure 2
	json_is .targets[0].name down
	json_is .targets[0].address "127.0.0.1:$port"
	json_is '.targets[0].error | startswith("connect to 127.0.0.1:'"$port"': Can'"'"'t connect to server on '"'"'127.0.0.1'"'"'")' true
	json_is '.targets[0].checks | length' 1
	json_is '.targets[0].checks[0] | [.name, .status] | join(",")' connect,critical
}

@test "bytes that are not UTF-8 do not break the JSON document" {
	run --separate-stderr dbhealth --json "/tmp/no"$'\xff'"such.sock"
	assert_failure 2
	json_is .targets[0].name "/tmp/no"$'\xef\xbf\xbd'"such.sock"
	json_is '.targets[0].error | startswith("connect to /tmp/no\ufffdsuch.sock: Can'"'"'t connect")' true
}

@test "targets are checked in parallel: three hung servers cost one timeout" {
	python3 "$BATS_TEST_DIRNAME/helper/blackhole.py" 3 30 >"$BATS_TEST_TMPDIR/ports" &
	hole=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ "$(wc -l <"$BATS_TEST_TMPDIR/ports")" -eq 3 ] && break
		sleep 0.2
	done
	mapfile -t ports <"$BATS_TEST_TMPDIR/ports"
	start=$(date +%s%N)
	run --separate-stderr dbhealth --json --connect-timeout 2s \
		"a=$DB_SOCKET" "b=127.0.0.1:$PORT_main" \
		"h1=127.0.0.1:${ports[0]}" "h2=127.0.0.1:${ports[1]}" "h3=127.0.0.1:${ports[2]}"
	elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
	kill "$hole"
	assert_failure 2
	json_is .status critical
	json_is '.summary | [.targets, .ok, .unreachable] | join(",")' 5,2,3
	json_is '[.targets[] | select(.reachable) | .name] | join(",")' a,b
	(( elapsed_ms >= 1900 && elapsed_ms < 3900 )) || fail "took $elapsed_ms ms"
}

@test "fewer unreachable targets than the limit only degrade" {
	port=$(free_port)
	run --separate-stderr dbhealth --json "up=$DB_SOCKET" "down=127.0.0.1:$port"
	assert_failure 1
	json_is .status degraded
	DB_MONITOR_MAX_FAILED_CONNECTIONS=1 run --separate-stderr dbhealth --json "up=$DB_SOCKET" "down=127.0.0.1:$port"
	assert_failure 2
	json_is .status critical
	run --separate-stderr dbhealth --json "down=127.0.0.1:$port"
	assert_failure 2
	json_is .status critical
}

@test "targets take a user and a port, and a file of targets" {
	export DB_PASSWORD=monitorpw
	run --separate-stderr dbhealth --json "mon=dbk_monitor@127.0.0.1:$PORT_main"
	assert_success
	json_is .targets[0].address "127.0.0.1:$PORT_main"
	printf '# the fleet\n\nsock=dbk_monitor@%s\n  tcp=dbk_monitor@127.0.0.1:%s  \n' \
		"$DB_SOCKET" "$PORT_main" >"$BATS_TEST_TMPDIR/targets"
	run --separate-stderr dbhealth --json --targets-file "$BATS_TEST_TMPDIR/targets"
	assert_success
	json_is '[.targets[].name] | join(",")' sock,tcp
	printf 'ok=127.0.0.1\nbad=host:0\n' >"$BATS_TEST_TMPDIR/bad"
	run --separate-stderr dbhealth --targets-file "$BATS_TEST_TMPDIR/bad"
	assert_failure 3
	[ "$stderr" = "dbhealth: $BATS_TEST_TMPDIR/bad:2: invalid target 'bad=host:0': port must be 1 to 65535
Try 'dbhealth --help' for more information." ]
}

@test "usage errors exit 3 with a one-line reason" {
	while IFS='|' read -r args message; do
		# shellcheck disable=SC2086
		run --separate-stderr dbhealth $args
		assert_failure 3
		[ -z "$output" ] || fail "stdout for '$args': $output"
		[ "${stderr_lines[0]}" = "$message" ] || fail "'$args': got '${stderr_lines[0]}', want '$message'"
	done <<'EOF_TABLE'
--bogus|dbhealth: unrecognized option '--bogus'
--format xml|dbhealth: --format: unknown format: 'xml'
-w uptime=soon|dbhealth: --warning: uptime: invalid duration: 'soon'
-c nosuch=1|dbhealth: --critical: unknown check: 'nosuch'
-c version=1|dbhealth: --critical: check version has no levels
-w uptime|dbhealth: --warning: expected CHECK=VALUE: 'uptime'
--connect-timeout 5x|dbhealth: --connect-timeout: invalid duration: '5x'
--port 99999|dbhealth: --port: out of range (1 to 65535): '99999'
--count 3|dbhealth: --count needs --watch
--watch 0|dbhealth: --watch: must be more than 0
db1=|dbhealth: invalid target 'db1=': empty host
bad!name=db1|dbhealth: invalid target 'bad!name=db1': a name is letters, digits and _ . : -
db1:abc|dbhealth: invalid target 'db1:abc': port must be 1 to 65535
::1:3306|dbhealth: invalid target '::1:3306': put an IPv6 address in brackets: [::1]:3306
a=h1 a=h2|dbhealth: two targets are named 'a'
--report x db1|dbhealth: --report reads a history file and checks no server
-P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1 -P1|dbhealth: too many options
EOF_TABLE
}

@test "a bad environment value names the variable" {
	DB_PORT=33o6 run --separate-stderr dbhealth
	assert_failure 3
	[ "${stderr_lines[0]}" = "dbhealth: DB_PORT: invalid number: '33o6'" ]
	DB_MONITOR_MAX_RESPONSE_TIME=fast run --separate-stderr dbhealth
	assert_failure 3
	[ "${stderr_lines[0]}" = "dbhealth: DB_MONITOR_MAX_RESPONSE_TIME: invalid duration: 'fast'" ]
	DB_MONITOR_WARN_UPTIME=-5 run --separate-stderr dbhealth
	assert_failure 3
	[ "${stderr_lines[0]}" = "dbhealth: DB_MONITOR_WARN_UPTIME: negative level: '-5'" ]
}

@test "--help lists every option, --version prints the version" {
	run --separate-stderr dbhealth --help
	assert_success
	assert_line --index 0 --partial 'usage: dbhealth'
	[ -z "$stderr" ]
	run --separate-stderr dbhealth --version
	assert_success
	assert_output --regexp '^dbhealth \(dbkit\) [0-9]+\.[0-9]+\.[0-9]+$'
}

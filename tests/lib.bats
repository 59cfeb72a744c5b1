#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# lib/: strict value parsing (through tests/lib/parsetest), and the
# settings precedence defaults -> option file -> environment -> flags,
# seen through dbhealth connecting, or not, to a real server.

# shellcheck disable=SC2154
load helper/common
load helper/one_server

@test "values are parsed completely or refused" {
	while read -r kind value want; do
		run parsetest "$kind" "$value"
		[ "$output" = "$want" ] || fail "$kind '$value': got '$output', want '$want'"
	done <<'EOF_TABLE'
integer 42 42
integer -5 -5
integer 3O error: invalid number: '3O'
integer 99999999999999999999 error: invalid number: '99999999999999999999'
integer 2000000 error: out of range (-100 to 1000000): '2000000'
integer +7 error: invalid number: '+7'
integer 7. error: invalid number: '7.'
duration 500ms 500
duration 30 30000
duration 5m 300000
duration 2h 7200000
duration 7d 604800000
duration 5x error: invalid duration: '5x'
duration -1s error: invalid duration: '-1s'
duration 1.5s 1500
duration 0.5s 500
duration 1.5 1500
duration 2.25m 135000
duration 1.5h 5400000
duration 0.001s 1
duration 1.5ms error: invalid duration: '1.5ms'
duration 0.0005s error: invalid duration: '0.0005s'
duration .5s error: invalid duration: '.5s'
duration 1.s error: invalid duration: '1.s'
duration 1.5.5s error: invalid duration: '1.5.5s'
duration 0.0000000001d error: invalid duration: '0.0000000001d'
duration 9223372036854775.807s 9223372036854775807
duration 9223372036854775.808s error: invalid duration: '9223372036854775.808s'
duration 9999999999999999d error: invalid duration: '9999999999999999d'
size 512 512
size 64K 65536
size 16M 16777216
size 2G 2147483648
size 1.5G error: invalid size: '1.5G'
size 2GB error: invalid size: '2GB'
size 99999999T error: invalid size: '99999999T'
bool ON true
bool no false
bool 1 true
bool maybe error: invalid boolean: 'maybe'
number 99.5 99.5
number 0x10 error: invalid number: '0x10'
number nan error: invalid number: 'nan'
number 12abc error: invalid number: '12abc'
EOF_TABLE
}

@test "the option file's [client] group gives the connection" {
	unset DB_SOCKET DB_USER DB_PASSWORD
	printf '[client]\nsocket=%s\nuser=dbk_admin\npassword="adminpw"\n[mysqldump]\nuser=nobody\n' \
		"$SOCK_main" >"$HOME/.my.cnf"
	run --separate-stderr dbhealth --json
	assert_success
	json_is .targets[0].address "$SOCK_main"
}

@test "the environment beats the option file, and a flag beats both" {
	printf '[client]\nsocket=/nonexistent/file.sock\n' >"$HOME/.my.cnf"
	run --separate-stderr dbhealth --json
	assert_success
	run --separate-stderr dbhealth --json -S /nonexistent/flag.sock
	assert_failure 2
	json_is .targets[0].address /nonexistent/flag.sock
}

@test "the program's own group and [dbkit] are read, later lines win" {
	unset DB_PASSWORD
	printf '[client]\npassword=wrong\n[dbkit]\npassword=alsowrong\n[dbhealth]\npassword = adminpw # the monitoring one\n' \
		>"$HOME/.my.cnf"
	run --separate-stderr dbhealth
	assert_success
}

@test "--defaults-file replaces ~/.my.cnf, --no-defaults reads none" {
	unset DB_PASSWORD
	printf '[client]\npassword=adminpw\n' >"$BATS_TEST_TMPDIR/my.cnf"
	printf '[client]\nport=notaport\n' >"$HOME/.my.cnf"
	run --separate-stderr dbhealth --defaults-file "$BATS_TEST_TMPDIR/my.cnf"
	assert_success
	run --separate-stderr dbhealth
	assert_failure 3
	[ "${stderr_lines[0]}" = "dbhealth: $HOME/.my.cnf:2: port: invalid number: 'notaport'" ]
	export DB_PASSWORD=adminpw
	run --separate-stderr dbhealth --no-defaults
	assert_success
	run --separate-stderr dbhealth --defaults-file "$BATS_TEST_TMPDIR/missing.cnf"
	assert_failure 3
	[ "${stderr_lines[0]}" = "dbhealth: $BATS_TEST_TMPDIR/missing.cnf: No such file or directory" ]
}

@test "!include and !includedir are followed" {
	unset DB_PASSWORD
	mkdir -p "$BATS_TEST_TMPDIR/conf.d"
	printf '[client]\nuser=nobody\n' >"$BATS_TEST_TMPDIR/conf.d/10-user.cnf"
	printf '[client]\npassword=adminpw\n' >"$BATS_TEST_TMPDIR/conf.d/20-pass.cnf"
	printf '[client]\npassword=ignored\n' >"$BATS_TEST_TMPDIR/conf.d/30-not-cnf.txt"
	printf '!includedir %s/conf.d\n' "$BATS_TEST_TMPDIR" >"$BATS_TEST_TMPDIR/inc.cnf"
	printf '!include %s/inc.cnf\n[client]\nuser = dbk_admin\n' "$BATS_TEST_TMPDIR" >"$HOME/.my.cnf"
	run --separate-stderr dbhealth
	assert_success
	printf '!include %s/nowhere.cnf\n' "$BATS_TEST_TMPDIR" >"$HOME/.my.cnf"
	run --separate-stderr dbhealth
	assert_failure 3
	[ "${stderr_lines[0]}" = "dbhealth: $BATS_TEST_TMPDIR/nowhere.cnf: No such file or directory" ]
}

@test "every setting is checked, even those another program uses" {
	while IFS='|' read -r var value message; do
		run --separate-stderr env "$var=$value" dbhealth
		assert_failure 3
		[ "${stderr_lines[0]}" = "dbhealth: $var: $message" ] || fail "got '${stderr_lines[0]}'"
	done <<'EOF_TABLE'
DB_CONNECT_TIMEOUT|10x|invalid duration: '10x'
DB_POOL_MAX_CONNECTIONS|0|out of range (1 to 100000): '0'
DB_POOL_TIMEOUT|soon|invalid duration: 'soon'
DB_POOL_MAX_LIFETIME|1h30m|invalid duration: '1h30m'
DB_BACKUP_RETENTION_DAYS|30d|invalid number: '30d'
DB_BACKUP_COMPRESSION|maybe|invalid value: 'maybe' (one of: none gzip zstd)
DB_MONITOR_MAX_FAILED_CONNECTIONS|0|out of range (1 to 1000000): '0'
DB_MONITOR_MAX_POOL_UTIL|101|out of range (0 to 100): '101'
EOF_TABLE
}

@test "the connect timeout takes durations" {
	DB_CONNECT_TIMEOUT=500ms run --separate-stderr dbhealth
	assert_success
	run --separate-stderr dbhealth --connect-timeout 2
	assert_success
}

@test "a duration setting takes a fraction that comes to whole milliseconds" {
	DB_CONNECT_TIMEOUT=1.5s run --separate-stderr dbhealth
	assert_success
	run --separate-stderr dbhealth --connect-timeout 0.5
	assert_success
	DB_CONNECT_TIMEOUT=0.5ms run --separate-stderr dbhealth
	assert_failure 3
	[ "${stderr_lines[0]}" = "dbhealth: DB_CONNECT_TIMEOUT: invalid duration: '0.5ms'" ]
	DB_MONITOR_MAX_RESPONSE_TIME=2.5 run --separate-stderr dbhealth
	assert_failure 3
	[ "${stderr_lines[0]}" = "dbhealth: DB_MONITOR_MAX_RESPONSE_TIME: invalid duration: '2.5'" ]
}

@test "MYSQL_PWD is not used behind the user's back" {
	unset DB_PASSWORD
	MYSQL_PWD=adminpw run --separate-stderr dbhealth --json
	assert_failure 2
	json_is .targets[0].error "connect to $SOCK_main: Access denied for user 'dbk_admin'@'localhost' (using password: NO)"
}

@test "an empty password file is an empty password, a missing one an error" {
	unset DB_PASSWORD
	: >"$BATS_TEST_TMPDIR/empty"
	run --separate-stderr dbhealth --json --password-file "$BATS_TEST_TMPDIR/empty"
	assert_failure 2
	json_is '.targets[0].error | endswith("(using password: NO)")' true
	run --separate-stderr dbhealth --password-file "$BATS_TEST_TMPDIR/none"
	assert_failure 3
	[ "${stderr_lines[0]}" = "dbhealth: --password-file: $BATS_TEST_TMPDIR/none: No such file or directory" ]
}

@test "a password file may be a pipe, but never an endless one" {
	unset DB_PASSWORD
	run --separate-stderr dbhealth --json --password-file <(printf 'adminpw\n')
	assert_success
	run --separate-stderr timeout 10 dbhealth --password-file /dev/zero
	assert_failure 3
	[ "${stderr_lines[0]}" = "dbhealth: --password-file: /dev/zero: not a password: a first line of more than 4096 bytes, or a NUL byte" ] || fail "$stderr"
	head -c 5000 /dev/urandom | tr -d '\n\0' >"$BATS_TEST_TMPDIR/long"
	run --separate-stderr dbhealth --password-file "$BATS_TEST_TMPDIR/long"
	assert_failure 3
	[[ ${stderr_lines[0]} == *"not a password: a first line of more than 4096 bytes"* ]] || fail "$stderr"
}

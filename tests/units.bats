#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# The systemd units of systemd/, as scripts/units writes them for make
# install and the package: systemd-analyze verifies them and rates their
# sandbox, and each service's command line runs against a real server
# the way systemd would start it (below).  The sandbox itself is not
# exercised: that needs systemd as process 1, which the tests do not
# have; tests/package/install.bats verifies the installed units.

# shellcheck disable=SC2154
load helper/common

SRC=$BATS_TEST_DIRNAME/..

setup_file() {
	server_start main --log-bin=mysql-bin --server-id=1
	sql main 'CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY, v TEXT);
		INSERT INTO shop.t VALUES (1, "a"), (2, "b")'
	# The programs the tests run, where the units look for them.
	mkdir "$BATS_FILE_TMPDIR/bin"
	local p
	for p in dbhealth dbbackup dbrestore dbprune dbpool-bench; do
		ln -s "$(command -v "$p")" "$BATS_FILE_TMPDIR/bin/$p"
	done
	"$SRC/scripts/units" "$BATS_FILE_TMPDIR/bin" "$BATS_FILE_TMPDIR/units"
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server main
	UNITS=$BATS_FILE_TMPDIR/units
}

# unit_run UNIT NAME: run the ExecStart= of service UNIT for instance NAME
# as systemd would: a clean environment of Environment=, then the unit's
# EnvironmentFile= (which wins), %i and %S expanded, $VAR split into words
# (the units use no ${VAR}).  /var/lib is $BATS_TEST_TMPDIR/state, /etc/dbkit
# is $BATS_TEST_TMPDIR/etc.  Sets status, output and stderr as bats's run
# does; fails on a unit line it cannot read.
unit_run() {
	local unit=$UNITS/$1 name=$2 state=$BATS_TEST_TMPDIR/state line key
	local -a env=(PATH=/usr/bin:/bin HOME="$HOME")
	local exec='' file=''
	expand() {
		local s=${1//%i/$name}
		printf '%s' "${s//%S/$state}"
	}
	while IFS= read -r line; do
		case $line in
		Environment=*)
			env+=("$(expand "${line#Environment=}")") ;;
		EnvironmentFile=*)
			file=$(expand "${line#EnvironmentFile=}")
			file=${file/#\/etc\/dbkit\//$BATS_TEST_TMPDIR/etc/} ;;
		ExecStart=*)
			[[ -z $exec ]] || { echo "unit_run: two ExecStart= in $1" >&2; return 1; }
			exec=$(expand "${line#ExecStart=}") ;;
		esac
	done <"$unit"
	[[ -n $exec && -n $file ]] || { echo "unit_run: no ExecStart= or EnvironmentFile= in $1" >&2; return 1; }
	while IFS= read -r line; do
		[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
		[[ $line =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]] || { echo "unit_run: unreadable line in $file: $line" >&2; return 1; }
		env+=("${BASH_REMATCH[1]}=${BASH_REMATCH[2]}")
	done <"$file"
	# systemd's $VAR: the value from env, in a subshell.
	local -a argv
	mapfile -t argv < <(
		for kv in "${env[@]}"; do export "${kv%%=*}=${kv#*=}"; done
		for word in $exec; do
			case $word in
			\$*) key=${word:1}; for w in ${!key-}; do printf '%s\n' "$w"; done ;;
			*) printf '%s\n' "$word" ;;
			esac
		done)
	run --separate-stderr env -i "${env[@]}" "${argv[@]}"
}

# success_status UNIT STATUS: whether systemd counts STATUS as success
# (0, or one of SuccessExitStatus=).
success_status() {
	local codes
	codes=$(sed -n 's/^SuccessExitStatus=//p' "$UNITS/$1")
	[[ $2 == 0 || " $codes " == *" $2 "* ]]
}

# env_file [LINES...]: /etc/dbkit/db1.env for the test's server.
env_file() {
	mkdir -p "$BATS_TEST_TMPDIR/etc"
	{
		printf '%s\n' "# the test's server" "DB_SOCKET=$DB_SOCKET" \
			"DB_USER=$DB_USER" "DB_PASSWORD=$DB_PASSWORD"
		printf '%s\n' "$@"
	} >"$BATS_TEST_TMPDIR/etc/db1.env"
}

@test "systemd-analyze verifies every unit, and rates each service's sandbox OK" {
	local units=() u
	for u in "$UNITS"/*@.*; do
		u=$(basename "$u")
		units+=("$UNITS/${u/@./@db1.}")
	done
	(( ${#units[@]} == 8 ))
	run systemd-analyze verify --man=no "${units[@]}"
	assert_success
	assert_output ''
	for u in backup incremental prune health; do
		run systemd-analyze security --offline=yes --no-pager "$UNITS/dbkit-$u@db1.service"
		assert_success
		# "Overall exposure level for ...: 1.7 OK": 0 to 10, below 2 is "OK".
		[[ ${lines[-1]} =~ exposure\ level.*:\ ([0-9.]+)\ OK ]] ||
			fail "dbkit-$u@db1.service: ${lines[-1]}"
	done
	# Every service is sandboxed the same, and runs as dbkit.
	for u in "$UNITS"/*.service; do
		grep -qx 'User=dbkit' "$u" || fail "$u: no User=dbkit"
		grep -qx 'ProtectSystem=strict' "$u" || fail "$u: not ProtectSystem=strict"
		grep -qx 'ReadWritePaths=%S/dbkit/%i' "$u" || fail "$u: no ReadWritePaths= for the catalogue"
		grep -q '^ExecStart=/' "$u" || fail "$u: ExecStart= is not absolute"
	done
	for u in "$UNITS"/*.timer; do
		grep -qx 'Persistent=true' "$u" || fail "$u: not Persistent"
		grep -qx 'WantedBy=timers.target' "$u" || fail "$u: not WantedBy=timers.target"
	done
}

@test "the services back up, prune and check the server with the environment file's settings" {
	env_file 'DBKIT_PRUNE_OPTIONS=--keep-last 1' 'DB_BACKUP_RETENTION_DAYS=0' \
		'DBKIT_HEALTH_OPTIONS=--backup-check' 'DB_MONITOR_WARN_UPTIME=0'
	catalog=$BATS_TEST_TMPDIR/state/dbkit/db1/backups
	# systemd makes the state directory (StateDirectory=) before it starts.
	mkdir -p "$BATS_TEST_TMPDIR/state/dbkit/db1"

	unit_run dbkit-backup@.service db1
	assert_success
	assert_equal "$stderr" ''
	sql main 'INSERT INTO shop.t VALUES (3, "c")'
	unit_run dbkit-incremental@.service db1
	assert_success
	unit_run dbkit-backup@.service db1
	assert_success
	run --separate-stderr dbbackup -d "$catalog" list --json
	assert_success
	assert_equal "$(jq -r '[.backups[] | .type] | join(" ")' <<<"$output")" 'full incremental full'

	# The newest full backup stays; the first and its incremental go.
	newest=$(jq -r '.backups[-1].id' <<<"$output")
	unit_run dbkit-prune@.service db1
	assert_success
	run --separate-stderr dbbackup -d "$catalog" list --json
	assert_equal "$(jq -r '[.backups[] | .id] | join(" ")' <<<"$output")" "$newest"

	# The health check writes its history next to the catalogue, and
	# checks the catalogue's age.
	unit_run dbkit-health@.service db1
	success_status dbkit-health@.service "$status" || fail "health: status $status: $stderr"
	[[ $output == *'connect'* ]] || fail "no nagios line: $output"
	history=$BATS_TEST_TMPDIR/state/dbkit/db1/health.jsonl
	assert_equal "$(wc -l <"$history")" 1
	assert_equal "$(jq -r '.targets[].checks[] | select(.name == "backup_age") | .status' "$history")" ok

	# The backup the units took restores.
	run --separate-stderr dbrestore -d "$catalog" --verify latest
	assert_success
}

@test "a backup fails without its server; a health check fails on a usage error only" {
	env_file "DB_SOCKET=$BATS_TEST_TMPDIR/none.sock"
	mkdir -p "$BATS_TEST_TMPDIR/state/dbkit/db1"
	unit_run dbkit-backup@.service db1
	assert_failure 1
	[[ $stderr == *none.sock* ]] || fail "stderr: $stderr"
	# dbhealth finds the server down: critical, which the unit counts as
	# a run that did its work.
	unit_run dbkit-health@.service db1
	assert_equal "$status" 2
	success_status dbkit-health@.service "$status"
	# A usage error fails it.
	env_file 'DBKIT_HEALTH_OPTIONS=--no-such-flag'
	unit_run dbkit-health@.service db1
	assert_equal "$status" 3
	! success_status dbkit-health@.service "$status"
}

@test "the example environment file sets only settings the programs and units read" {
	local line var
	while IFS= read -r line; do
		[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
		[[ $line =~ ^([A-Z_][A-Z0-9_]*)= ]] || fail "not VARIABLE=value: $line"
	done <"$SRC/systemd/example.env"
	for var in $(grep -o '^#\?[A-Z_][A-Z0-9_]*=' "$SRC/systemd/example.env" | tr -d '#='); do
		case $var in
		DBKIT_*)
			grep -q "\$$var\b" "$SRC"/systemd/*.service.in || fail "$var: no unit reads it" ;;
		DB_*)
			grep -q "\b$var\b" "$SRC/man/dbkit.7" || fail "$var: not a setting of dbkit(7)" ;;
		*) fail "$var: neither DB_ nor DBKIT_" ;;
		esac
	done
}

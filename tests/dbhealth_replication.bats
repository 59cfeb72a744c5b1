#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# dbhealth on a multi-source replica: two primaries feed one replica, the
# default connection '' and the named connection 'second'.  Every source is
# checked; a stopped IO or SQL thread, and the NULL lag that comes with it,
# are critical and name the source.

# shellcheck disable=SC2154
load helper/common

setup_file() {
	replication_start
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server replica
}

# replication CHECK FIELD SOURCE: a field of one replication check.
replication() {
	check_field default "$1" "$2" "$3"
}

@test "a running multi-source replica is ok on every source" {
	sql primary 'CREATE DATABASE IF NOT EXISTS r1; CREATE TABLE IF NOT EXISTS r1.t (id INT PRIMARY KEY)'
	sql primary2 'CREATE DATABASE IF NOT EXISTS r2; CREATE TABLE IF NOT EXISTS r2.t (id INT PRIMARY KEY)'
	replication_wait_caught_up
	run --separate-stderr dbhealth --json
	assert_success
	json_is '[.targets[0].checks[] | select(.source != null) | "\(.name)[\(.source)]=\(.status)"] | join(" ")' \
		"replication_io[]=ok replication_sql[]=ok replication_lag[]=ok replication_io[second]=ok replication_sql[second]=ok replication_lag[second]=ok"
	[ "$(replication replication_io value '')" = Yes ]
	[ "$(replication replication_lag value second)" = 0 ]
	[[ "$(replication replication_io message second)" == "receiving from 127.0.0.1:$PORT_primary2" ]]
	[ "$(check_field default read_only value)" = ON ]
}

@test "the monitoring user sees the replication checks" {
	export DB_USER=dbk_monitor DB_PASSWORD=monitorpw
	run --separate-stderr dbhealth --json
	assert_success
	json_is '[.targets[0].checks[] | select(.source != null)] | length' 6
}

@test "a stopped SQL thread is critical, and so is its NULL lag" {
	sql replica "STOP SLAVE 'second' SQL_THREAD"
	run --separate-stderr dbhealth --json
	assert_failure 2
	json_is .status critical
	[ "$(replication replication_sql status second)" = critical ]
	[ "$(replication replication_sql value second)" = No ]
	[ "$(replication replication_sql message second)" = "SQL thread not running (stopped by hand?)" ]
	[ "$(replication replication_lag status second)" = critical ]
	[ "$(replication replication_lag value second)" = null ]
	[[ "$(replication replication_lag message second)" == "lag unknown: Seconds_Behind_Master is NULL"* ]]
	# The other source is still fine.
	[ "$(replication replication_sql status '')" = ok ]
	[ "$(replication replication_io status second)" = ok ]

	run --separate-stderr dbhealth -f nagios
	assert_failure 2
	assert_output --partial 'DBHEALTH CRITICAL - default: replication_sql[second] critical (SQL thread not running (stopped by hand?)); default: replication_lag[second] critical (lag unknown'
	sql replica "START SLAVE 'second' SQL_THREAD"
	run --separate-stderr dbhealth
	assert_success
}

@test "a failed SQL thread reports the replication error" {
	# A row the replica already has makes the replicated INSERT fail.
	sql replica 'SET sql_log_bin = 0; INSERT INTO r1.t VALUES (42)'
	sql primary 'INSERT INTO r1.t VALUES (42)'
	for _ in $(seq 50); do
		[ "$(sql replica "SELECT 1 FROM information_schema.SLAVE_STATUS WHERE Connection_name = '' AND Slave_SQL_Running = 'No'")" = 1 ] && break
		sleep 0.2
	done
	run --separate-stderr dbhealth --json
	assert_failure 2
	[ "$(replication replication_sql status '')" = critical ]
	[[ "$(replication replication_sql message '')" == "SQL thread not running: "*"Duplicate entry '42'"* ]]
	# Repair: skip the event and go on.
	sql replica "SET sql_log_bin = 0; DELETE FROM r1.t WHERE id = 42; START SLAVE ''"
	replication_wait_caught_up
	run --separate-stderr dbhealth --json
	assert_success
}

@test "a stopped IO thread is critical" {
	sql replica "STOP SLAVE '' IO_THREAD"
	run --separate-stderr dbhealth --json
	sql replica "START SLAVE '' IO_THREAD"
	assert_failure 2
	[ "$(replication replication_io status '')" = critical ]
	[ "$(replication replication_io value '')" = No ]
	[[ "$(replication replication_io message '')" == "IO thread not running from 127.0.0.1:$PORT_primary"* ]]
}

@test "a primary is not a replica: no replication checks" {
	use_server primary
	run --separate-stderr dbhealth --json
	assert_success
	json_is '[.targets[0].checks[] | select(.name | startswith("replication"))] | length' 0
}

@test "the primary and the replica together, by name" {
	run --separate-stderr dbhealth --json "primary=$SOCK_primary" "replica=$SOCK_replica"
	assert_success
	json_is '[.targets[] | .name + ":" + .status] | join(",")' primary:ok,replica:ok
	json_is '[.targets[] | .server.server_id] | join(",")' 1,3
}

#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Galera: a single-node cluster bootstrapped with galera-4.  One node is a
# working primary component, but below the default size levels (warning
# under 3 nodes, critical under 2), which is what a DBA wants to hear about.

# shellcheck disable=SC2154
load helper/common

setup_file() {
	galera_start galera
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server galera
}

@test "a one-node cluster is primary, synced and ready, but too small" {
	run --separate-stderr dbhealth --json
	assert_failure 2
	[ "$(check_field default galera_status value)" = Primary ]
	[ "$(check_field default galera_status status)" = ok ]
	[ "$(check_field default galera_state value)" = Synced ]
	[ "$(check_field default galera_ready value)" = ON ]
	[ "$(check_field default galera_recv_queue status)" = ok ]
	[ "$(check_field default galera_size value)" = 1 ]
	[ "$(check_field default galera_size status)" = critical ]
	[ "$(check_field default galera_size message)" = "1 below critical level 2" ]
}

@test "size levels can be set for a cluster that is meant to be small" {
	run --separate-stderr dbhealth --json -w galera_size=1 -c galera_size=none
	assert_success
	json_is '[.targets[0].checks[] | select(.name | startswith("galera")) | .status] | unique | join(",")' ok
}

@test "a desynced node is a warning" {
	sql galera 'SET GLOBAL wsrep_desync = ON'
	run --separate-stderr dbhealth --json -w galera_size=none -c galera_size=none
	sql galera 'SET GLOBAL wsrep_desync = OFF'
	assert_failure 1
	[ "$(check_field default galera_state status)" = warning ]
	[[ "$(check_field default galera_state value)" == *Desynced* ]]
}

@test "a server without wsrep has no Galera checks" {
	server_start plain
	use_server plain
	run --separate-stderr dbhealth --json
	assert_success
	json_is '[.targets[0].checks[] | select(.name | startswith("galera"))] | length' 0
}

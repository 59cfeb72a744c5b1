#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Tests of tests/helper/server.bash itself: every other suite trusts it to
# start real servers with the documented users, replication, Galera and TLS
# files, and to leave nothing running. The last test stops everything and
# checks that no process is left.

# SOCK_<NAME> and friends are exported by the helper; `...` in regexps is text.
# shellcheck disable=SC2154,SC2016

load helper/common

setup_file() {
	server_start main
}

teardown_file() {
	server_stop_all
}

# gone PID: fails while PID runs (a bare `! cmd` would not fail a test).
gone() {
	! _dbk_alive "$1"
}

# sql_as USER PASSWORD NAME SQL: run SQL as a test user over NAME's socket.
sql_as() {
	local sock="SOCK_$3"
	mariadb --no-defaults -u "$1" -p"$2" --socket="${!sock}" -N -B -e "$4"
}

@test "server answers on its socket and on 127.0.0.1 with utf8mb4" {
	[[ -S $SOCK_main && -d $DIR_main && $PORT_main -ge 20000 ]]
	[[ $SOCK_MAIN == "$SOCK_main" ]]
	run sql main "SELECT @@character_set_server, @@port, @@socket, @@bind_address"
	assert_success
	assert_output "$(printf 'utf8mb4\t%s\t%s\t127.0.0.1' "$PORT_main" "$SOCK_main")"
	run mariadb --no-defaults -h 127.0.0.1 -P "$PORT_main" -u dbk_admin -padminpw \
		-N -B -e "SELECT CURRENT_USER()"
	assert_success
	assert_output "dbk_admin@127.0.0.1"
}

@test "the test users have exactly their grants" {
	run sql_as dbk_admin adminpw main "SHOW GRANTS"
	assert_success
	assert_line --regexp '^GRANT ALL PRIVILEGES ON \*\.\* TO `dbk_admin`@`localhost` .*WITH GRANT OPTION$'
	run sql_as dbk_monitor monitorpw main "SHOW GRANTS"
	assert_success
	assert_line --regexp '^GRANT PROCESS, SLAVE MONITOR ON \*\.\* TO `dbk_monitor`@`localhost`'
	run sql_as dbk_nopriv noprivpw main "SHOW GRANTS"
	assert_success
	assert_output --regexp '^GRANT USAGE ON \*\.\* TO `dbk_nopriv`@`localhost`'
	run sql main "SELECT COUNT(*) FROM mysql.user WHERE user LIKE 'dbk\\_%' AND host = '127.0.0.1'"
	assert_output 3
	run -1 sql_as dbk_admin wrongpw main "SELECT 1"
	assert_output --partial "Access denied"
}

@test "use_server clears DB_* and MYSQL_* and points at the server" {
	export DB_HOST=example.invalid DB_PORT=1 DB_NAME=x MYSQL_PWD=x
	use_server main
	[[ -z ${DB_HOST-} && -z ${DB_PORT-} && -z ${DB_NAME-} && -z ${MYSQL_PWD-} ]]
	[[ $DB_SOCKET == "$SOCK_main" && $DB_USER == dbk_admin && $DB_PASSWORD == adminpw ]]
	[[ $DB_MONITOR_WARN_UPTIME == 0 && $HOME == "$BATS_TEST_TMPDIR" ]]
	run mariadb --no-defaults -S "$DB_SOCKET" -u "$DB_USER" -p"$DB_PASSWORD" -N -B \
		-e "SELECT CURRENT_USER()"
	assert_output "dbk_admin@localhost"
}

@test "server_kill, server_stop --keep and server_restart keep the data; server_stop cleans up" {
	server_start crash
	sql crash "CREATE DATABASE t; CREATE TABLE t.a (i INT PRIMARY KEY) ENGINE=InnoDB;
		INSERT INTO t.a VALUES (1), (2)"
	local pid=$PID_crash dir=$DIR_crash
	server_kill crash
	gone "$pid"
	run sql crash "SELECT 1"
	assert_failure
	server_restart crash
	[[ $PID_crash != "$pid" && $DIR_crash == "$dir" ]]
	run sql crash "SELECT COUNT(*) FROM t.a"
	assert_output 2
	pid=$PID_crash
	server_stop crash --keep
	gone "$pid"
	[[ -d $dir ]]
	server_restart crash
	run sql crash "SELECT COUNT(*) FROM t.a"
	assert_output 2
	pid=$PID_crash
	server_stop crash
	gone "$pid"
	[[ ! -e $dir && -z ${SOCK_crash-} ]]
}

@test "server_start refuses a name already running and a bad name" {
	run server_start main
	assert_failure
	assert_output --partial "already running"
	run server_start 'bad name'
	assert_failure
}

@test "replication_start runs both connections and replication_wait_caught_up waits" {
	replication_start
	run sql replica "SELECT @@read_only, @@server_id"
	assert_output "$(printf '1\t3')"
	sql primary "CREATE DATABASE one; CREATE TABLE one.t (i INT PRIMARY KEY); INSERT INTO one.t VALUES (1)"
	sql primary2 "CREATE DATABASE two; CREATE TABLE two.t (i INT PRIMARY KEY); INSERT INTO two.t VALUES (2)"
	replication_wait_caught_up 30
	run sql replica "SELECT (SELECT i FROM one.t), (SELECT i FROM two.t)"
	assert_output "$(printf '1\t2')"
	run sql replica "SELECT @@gtid_slave_pos"
	assert_output --regexp '(^|,)1-1-[0-9]+'
	assert_output --regexp '(^|,)2-2-[0-9]+'
	run sql_as dbk_monitor monitorpw replica "SHOW ALL SLAVES STATUS"
	assert_success
	# The test users are created unlogged: nothing stopped the SQL threads.
	run sql replica "SELECT COUNT(*) FROM information_schema.processlist
		WHERE command LIKE 'Slave%'"
	assert_output 4
}

@test "galera_start bootstraps a synced single-node cluster" {
	galera_start gal
	run sql gal "SELECT LOWER(variable_name), variable_value
		FROM information_schema.global_status WHERE variable_name IN
		('wsrep_ready', 'wsrep_cluster_status', 'wsrep_cluster_size', 'wsrep_local_state_comment')
		ORDER BY 1"
	assert_output "$(printf 'wsrep_cluster_size\t1\nwsrep_cluster_status\tPrimary\nwsrep_local_state_comment\tSynced\nwsrep_ready\tON')"
	[[ $GPORT_gal -ge 20000 && $GPORT_gal != "$PORT_gal" ]]
	local pid=$PID_gal
	server_stop gal
	gone "$pid"
}

@test "tls_make_certs makes a CA, a localhost server cert and wrong ones" {
	local d=$BATS_FILE_TMPDIR/tls
	tls_make_certs "$d"
	run openssl verify -CAfile "$d/ca.pem" "$d/server-cert.pem" "$d/otherhost-cert.pem" "$d/client-cert.pem"
	assert_success
	run openssl verify -CAfile "$d/other-ca.pem" "$d/server-cert.pem"
	assert_failure
	server_start tls --ssl-ca="$d/ca.pem" --ssl-cert="$d/server-cert.pem" --ssl-key="$d/server-key.pem"
	run mariadb --no-defaults -h 127.0.0.1 -P "$PORT_tls" -u dbk_admin -padminpw \
		--ssl-ca="$d/ca.pem" --ssl-verify-server-cert -N -B \
		-e "SHOW STATUS LIKE 'Ssl_version'"
	assert_success
	assert_output --regexp 'TLSv1\.[23]$'
	run mariadb --no-defaults -h localhost --protocol=tcp -P "$PORT_tls" -u dbk_admin -padminpw \
		--ssl-ca="$d/ca.pem" --ssl-verify-server-cert -N -B -e "SELECT 1"
	assert_success
	run mariadb --no-defaults -h 127.0.0.1 -P "$PORT_tls" -u dbk_admin -padminpw \
		--ssl-ca="$d/other-ca.pem" --ssl-verify-server-cert -e "SELECT 1"
	assert_failure
	server_stop tls
	server_start tls --ssl-ca="$d/ca.pem" --ssl-cert="$d/otherhost-cert.pem" --ssl-key="$d/otherhost-key.pem"
	run mariadb --no-defaults -h 127.0.0.1 -P "$PORT_tls" -u dbk_admin -padminpw \
		--ssl-ca="$d/ca.pem" --ssl-verify-server-cert -e "SELECT 1"
	assert_failure
	server_stop tls
}

@test "server_stop_all stops the servers started in setup_file and in tests" {
	local -a pids=() dirs=() names=()
	local name dir
	while read -r name dir; do
		[[ -d $dir ]] || continue
		names+=("$name")
		dirs+=("$dir")
		pids+=("$(cat "$dir/pid")")
	done <"$BATS_FILE_TMPDIR/dbk-servers"
	# main from setup_file, the three replication servers from a test
	[[ " ${names[*]} " == *" main primary primary2 replica "* ]]
	server_stop_all
	for pid in "${pids[@]}"; do
		gone "$pid"
	done
	for dir in "${dirs[@]}"; do
		[[ ! -e $dir ]]
	done
	run sql main "SELECT 1"
	assert_failure
}

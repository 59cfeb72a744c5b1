#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Backups taken on a replica, and new replicas built from backups with
# dbrestore --as-replica-of.  Two primaries feed one multi-source replica
# (tests/helper/server.bash, replication_start); each new replica is a
# fresh server that must catch up with its source and then hold exactly
# the source's rows, table by table (CHECKSUM TABLE).

# shellcheck disable=SC2154
load helper/common

setup_file() {
	replication_start
	sql primary "CREATE DATABASE app;
		CREATE TABLE app.orders (id INT PRIMARY KEY AUTO_INCREMENT,
			item VARCHAR(40), qty INT, KEY (item));
		CREATE TABLE app.counters (name VARCHAR(20) PRIMARY KEY, n BIGINT);
		CREATE TABLE app.notes (id INT PRIMARY KEY, body TEXT) ENGINE=Aria;
		INSERT INTO app.counters VALUES ('a', 0), ('b', 0);
		INSERT INTO app.notes VALUES (1, 'one'), (2, 'two');
		INSERT INTO app.orders (item, qty) SELECT CONCAT('item', seq), seq
			FROM app.seq_1_to_2000;"
	sql primary2 "CREATE DATABASE other;
		CREATE TABLE other.x (id INT PRIMARY KEY, v INT);
		INSERT INTO other.x SELECT seq, seq FROM other.seq_1_to_100;"
	replication_wait_caught_up
	echo "$DBK_REPL_PASSWORD" >"$BATS_FILE_TMPDIR/replpw"
}

teardown_file() {
	server_stop_all
}

# on SERVER: point the programs at SERVER, with the suite's catalogue and
# replication account.
on() {
	use_server "$1"
	export DB_BACKUP_PATH=$BATS_FILE_TMPDIR/backups
	export DB_REPLICATION_USER=$DBK_REPL_USER
}

setup() {
	on replica
	mkdir -p "$DB_BACKUP_PATH"
	REPLPW=$BATS_FILE_TMPDIR/replpw
}

# Shown with a failing test's output.
teardown() {
	echo "last stderr: ${stderr-}"
}

# writes SECONDS: commits on the primary for about SECONDS, in the
# background (WRITER is its pid): inserts, updates and deletes.
writes() {
	local end=$((SECONDS + $1))
	(
		i=0
		while ((SECONDS < end)); do
			i=$((i + 1))
			sql primary "INSERT INTO app.orders (item, qty) VALUES ('w$i', $i);
				UPDATE app.counters SET n = n + 1 WHERE name = 'a';
				DELETE FROM app.orders WHERE id = $((i * 7 % 2000 + 1));
				UPDATE app.notes SET body = CONCAT(body, '.') WHERE id = 1" ||
				exit 1
		done
	) &
	WRITER=$!
}

# caught_up TARGET SOURCE: TARGET has applied all SOURCE has binlogged.
caught_up() {
	local pos
	pos=$(sql "$2" "SELECT @@GLOBAL.gtid_binlog_pos")
	[ "$(sql "$1" "SELECT MASTER_GTID_WAIT('$pos', 60)")" = 0 ] ||
		fail "$1 did not reach $2's $pos: $(sql "$1" 'SHOW SLAVE STATUS\G')"
}

# same_tables A B DB...: every table of each DB has the same checksum and
# row count on servers A and B.
same_tables() {
	local a=$1 b=$2 db t
	shift 2
	for db in "$@"; do
		for t in $(sql "$a" "SELECT TABLE_NAME FROM information_schema.TABLES
			WHERE TABLE_SCHEMA = '$db' ORDER BY 1"); do
			[ "$(sql "$a" "CHECKSUM TABLE \`$db\`.\`$t\` EXTENDED")" = \
				"$(sql "$b" "CHECKSUM TABLE \`$db\`.\`$t\` EXTENDED")" ] ||
				fail "$db.$t differs between $a and $b"
			[ "$(sql "$a" "SELECT COUNT(*) FROM \`$db\`.\`$t\`")" = \
				"$(sql "$b" "SELECT COUNT(*) FROM \`$db\`.\`$t\`")" ] ||
				fail "$db.$t: row counts differ between $a and $b"
		done
	done
}

# sql_threads SERVER: "Yes Yes" when both connections' SQL threads run.
sql_threads() {
	mariadb --no-defaults -uroot -S "$(_dbk_dir "$1")/mysqld.sock" \
		-e 'SHOW ALL SLAVES STATUS\G' |
		awk '$1 == "Slave_SQL_Running:" { printf "%s%s", sep, $2; sep = " " }'
}

@test "a backup taken on a replica under writes starts new replicas of the primary, by GTID and by file and position" {
	writes 4
	sleep 1
	run --separate-stderr dbbackup --json full
	assert_success
	id=$(jq -r .id <<<"$output")
	json_is '.replica.consistent' true
	json_is '[.replica.sources[] | "\(.connection)=\(.server_id)"] | join(" ")' "=1 second=2"
	m=$DB_BACKUP_PATH/$id/manifest.json
	[[ $(jq -r .snapshot.replica.gtid_slave_pos "$m") == *1-1-* ]]
	[ "$(jq -r '.snapshot.replica.sources[0].binlog_file' "$m")" = mysql-bin.000001 ]
	# A copy of the backup without GTIDs: file and position only.
	cp -a "$DB_BACKUP_PATH/$id" "$DB_BACKUP_PATH/${id%-full}-full-9"
	jq '.id = "'"${id%-full}"'-full-9" | .snapshot.replica.gtid_slave_pos = null' "$m" \
		>"$DB_BACKUP_PATH/${id%-full}-full-9/manifest.json"

	server_start bygtid --server-id=11 --log-bin=mysql-bin
	on bygtid
	run --separate-stderr dbrestore --as-replica-of "127.0.0.1:$PORT_primary" \
		--replication-password-file "$REPLPW" "$id"
	assert_success
	[ -z "$stderr" ]
	assert_line --index 1 --regexp "^replica of 127\.0\.0\.1:$PORT_primary from GTID [0-9,-]+: IO and SQL threads running, Seconds_Behind_Master [0-9]+$"

	server_start bypos --server-id=12
	on bypos
	run --separate-stderr dbrestore --json --as-replica-of "127.0.0.1:$PORT_primary" \
		--replication-password-file "$REPLPW" "${id%-full}-full-9"
	assert_success
	json_is '.replication | "\(.coordinates) \(.gtid) \(.binlog_file) \(.started)"' "source null mysql-bin.000001 true"

	wait "$WRITER"
	caught_up bygtid primary
	caught_up bypos primary
	same_tables primary bygtid app
	same_tables primary bypos app
	# The restore itself was not binlogged on the new replica.
	[ "$(sql bygtid "SELECT @@GLOBAL.gtid_binlog_pos")" = "" ]
}

@test "a backup of the primary starts a new replica of it from the primary's own coordinates" {
	on primary
	writes 2
	run --separate-stderr dbbackup --json full app
	assert_success
	id=$(jq -r .id <<<"$output")
	json_is .replica null
	server_start fromprimary --server-id=13
	on fromprimary
	run --separate-stderr dbrestore --json --as-replica-of "$DBK_REPL_USER@127.0.0.1:$PORT_primary" "$id" \
		--replication-password-file "$REPLPW"
	assert_success
	json_is '.replication | "\(.coordinates) \(.source_server_id) \(.started)"' "own 1 true"
	[[ $(jq -r .replication.gtid <<<"$output") == 1-1-* ]]
	wait "$WRITER"
	caught_up fromprimary primary
	same_tables primary fromprimary app
	# The new replica follows later writes too.
	sql primary "INSERT INTO app.orders (item, qty) VALUES ('after', 1)"
	caught_up fromprimary primary
	[ "$(sql fromprimary "SELECT qty FROM app.orders WHERE item = 'after'")" = 1 ]
}

@test "a multi-source replica's backup records every connection, and starts a replica of either source" {
	run --separate-stderr dbbackup --json full
	assert_success
	id=$(jq -r .id <<<"$output")
	m=$DB_BACKUP_PATH/$id/manifest.json
	[ "$(jq -r '[.snapshot.replica.sources[] | "\(.connection)|\(.host):\(.port)|\(.server_id)|\(.binlog_file)|\(.binlog_position > 4)|\(.using_gtid)|\(.sql_running)"] | join(" ")' "$m")" = \
		"|127.0.0.1:$PORT_primary|1|mysql-bin.000001|true|Slave_Pos|true second|127.0.0.1:$PORT_primary2|2|mysql-bin.000001|true|Slave_Pos|true" ]
	# Each connection's position is the source's binlog end once caught up.
	[ "$(jq -r '.snapshot.replica.sources[1].binlog_position' "$m")" = \
		"$(sql primary2 "SHOW MASTER STATUS" | cut -f2)" ]
	run --separate-stderr dbbackup list
	assert_line "$id was taken on a replica of 127.0.0.1:$PORT_primary, 127.0.0.1:$PORT_primary2"
	run --separate-stderr dbbackup list --json
	[ "$(jq -r --arg id "$id" '.backups[] | select(.id == $id) | .replica_of' <<<"$output")" = \
		"127.0.0.1:$PORT_primary, 127.0.0.1:$PORT_primary2" ]

	server_start ofsecond --server-id=14
	on ofsecond
	run --separate-stderr dbrestore --as-replica-of "127.0.0.1:$PORT_primary2" \
		--replication-password-file "$REPLPW" --replica-sql "$id"
	assert_success
	assert_line "SET GLOBAL gtid_slave_pos = '$(jq -r .snapshot.replica.gtid_slave_pos "$m")';"
	assert_line "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $PORT_primary2, MASTER_USER = '$DBK_REPL_USER', MASTER_PASSWORD = '<the password>', MASTER_USE_GTID = slave_pos;"
	assert_line "START SLAVE;"
	refute_output --partial "$DBK_REPL_PASSWORD"
	# Printed, not run: the data is there, replication is not.
	[ "$(sql ofsecond "SELECT COUNT(*) FROM other.x")" = 100 ]
	[ -z "$(sql ofsecond "SHOW ALL SLAVES STATUS")" ]
	# With --json they are the report's.
	run --separate-stderr dbrestore --json --drop-existing --as-replica-of "127.0.0.1:$PORT_primary2" \
		--replication-password-file "$REPLPW" --replica-sql "$id"
	assert_success
	json_is '.replication | "\(.started) \(.statements | length) \(.statements[2])"' "false 3 START SLAVE"
	refute_output --partial "$DBK_REPL_PASSWORD"
}

@test "--replica-pause stops the SQL threads for the snapshot's start and starts them again, also after a failure and a signal" {
	log=$(_dbk_dir replica)/error.log
	before=$(grep -c "Slave SQL thread exiting" "$log" || :)
	run --separate-stderr dbbackup --replica-pause --json full app
	assert_success
	json_is '.replica | "\(.paused) \(.consistent) \([.sources[].sql_running] | join(","))"' "true true true,true"
	[[ $(jq -r .replica.paused_ms <<<"$output") =~ ^[0-9.]+$ ]]
	[ "$(grep -c "Slave SQL thread exiting" "$log")" -eq $((before + 2)) ]
	[ "$(sql_threads replica)" = "Yes Yes" ]

	# A backup account without CONNECTION ADMIN: init_connect runs for it.
	sql replica "SET SESSION sql_log_bin = 0;
		CREATE USER dbk_bk@localhost IDENTIFIED BY 'bkpw' WITH MAX_USER_CONNECTIONS 2;
		GRANT SELECT, RELOAD, PROCESS, LOCK TABLES, SHOW VIEW, TRIGGER, EVENT,
			REPLICA MONITOR, REPLICATION SLAVE ADMIN ON *.* TO dbk_bk@localhost"
	export DB_USER=dbk_bk DB_PASSWORD=bkpw
	# Failure between the stop and the start: a worker cannot connect.
	ls "$DB_BACKUP_PATH" >"$BATS_TEST_TMPDIR/before"
	run --separate-stderr dbbackup --replica-pause --threads 3 full app
	assert_failure 1
	[[ $stderr == *"max_user_connections"* ]]
	[ "$(sql_threads replica)" = "Yes Yes" ]
	[ "$(ls "$DB_BACKUP_PATH")" = "$(cat "$BATS_TEST_TMPDIR/before")" ]

	# A SIGTERM while they are stopped waits until they run again.  Each
	# new connection sleeps a second, so the pause lasts two.
	sql replica "SET GLOBAL init_connect = 'DO SLEEP(1)'"
	dbbackup --replica-pause --threads 1 full app >/dev/null 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	for _ in $(seq 100); do
		[[ $(sql_threads replica) == *No* ]] && break
		sleep 0.05
	done
	[[ $(sql_threads replica) == *No* ]] || fail "the SQL threads never stopped"
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	sql replica "SET GLOBAL init_connect = ''"
	[ "$status" -eq 143 ]
	[ "$(sql_threads replica)" = "Yes Yes" ]
	# Killed, it leaves no backup that looks complete.
	[ -z "$(find "$DB_BACKUP_PATH" -mindepth 1 -maxdepth 1 -newer "$BATS_TEST_TMPDIR/before" ! -name '*.partial')" ]
	rm -rf "$DB_BACKUP_PATH"/*.partial
}

@test "a lagging or stopped replica backs up with a warning saying how far behind" {
	sql replica "STOP SLAVE 'second' SQL_THREAD"
	sql primary2 "INSERT INTO other.x VALUES (1000, 1)"
	sleep 0.5
	run --separate-stderr dbbackup --json full other
	sql replica "START SLAVE 'second' SQL_THREAD"
	assert_success
	[[ $stderr == "dbbackup: warning: the SQL thread of replication connection 'second' (127.0.0.1:$PORT_primary2) is not running: the snapshot holds its source's changes up to mysql-bin.000001:"*", while the source's binlog has been read to mysql-bin.000001:"* ]]
	json_is '.replica.sources[1] | "\(.sql_running) \(.seconds_behind)"' "false null"
	replication_wait_caught_up
}

@test "--no-lock on a replica records no positions without --replica-pause, and they are refused" {
	run --separate-stderr dbbackup --no-lock --json full app
	assert_success
	[[ $stderr == *"--no-lock on a replica: the sources' positions cannot be read consistently with the snapshot without --replica-pause; none recorded"* ]]
	id=$(jq -r .id <<<"$output")
	json_is '.replica | "\(.consistent) \(.gtid_slave_pos) \(.sources[0].binlog_position)"' "false null null"
	server_start nolock --server-id=15
	on nolock
	run --separate-stderr dbrestore --as-replica-of "127.0.0.1:$PORT_primary" \
		--replication-password-file "$REPLPW" "$id"
	assert_failure 1
	[ "$stderr" = "dbrestore: $id records no position of its source 127.0.0.1:$PORT_primary (taken with --no-lock without --replica-pause): no replica can start from it" ]
	[ -z "$(sql nolock "SHOW DATABASES LIKE 'app'")" ]

	on replica
	run --separate-stderr dbbackup --no-lock --replica-pause --json full app
	assert_success
	json_is '.replica | "\(.consistent) \(.paused)"' "true true"
	[ "$(sql_threads replica)" = "Yes Yes" ]
}

@test "refusals come before anything is restored" {
	on primary
	run --separate-stderr dbbackup --json full app
	id=$(jq -r .id <<<"$output")
	server_start target --server-id=16
	on target

	# A wrong replication password: the source's own message.
	echo wrong >"$BATS_TEST_TMPDIR/bad"
	run --separate-stderr dbrestore --as-replica-of "127.0.0.1:$PORT_primary" \
		--replication-password-file "$BATS_TEST_TMPDIR/bad" "$id"
	assert_failure 1
	[[ $stderr == "dbrestore: source 127.0.0.1:$PORT_primary: connect to 127.0.0.1:$PORT_primary: Access denied for user '$DBK_REPL_USER'@"* ]]
	refute_output --partial wrong

	# A source that is neither the server backed up nor one of its sources.
	run --separate-stderr dbrestore --as-replica-of "127.0.0.1:$PORT_primary2" \
		--replication-password-file "$REPLPW" "$id"
	assert_failure 1
	[ "$stderr" = "dbrestore: 127.0.0.1:$PORT_primary2 (server_id 2) is neither the server $id was taken on (server_id 1) nor one of its sources: no coordinates for it" ]

	# A target that already replicates, and one with the source's server_id.
	on replica
	run --separate-stderr dbrestore --as-replica-of "127.0.0.1:$PORT_primary" \
		--replication-password-file "$REPLPW" "$id"
	assert_failure 1
	[ "$stderr" = "dbrestore: the target server already replicates (connection '' and others): --reset-replica stops and removes its replication first" ]
	[ "$(sql_threads replica)" = "Yes Yes" ]
	on primary
	run --separate-stderr dbrestore --as-replica-of "127.0.0.1:$PORT_primary" \
		--replication-password-file "$REPLPW" "$id"
	assert_failure 1
	[[ $stderr == "dbrestore: the target's server_id is 1, the source's too:"* ]]

	# A backup of a server without a binary log.
	server_start nobinlog --server-id=17
	sql nobinlog "SET SESSION sql_log_bin = 0; CREATE DATABASE nb; CREATE TABLE nb.t (id INT PRIMARY KEY);
		CREATE USER $DBK_REPL_USER@'127.0.0.1' IDENTIFIED BY '$DBK_REPL_PASSWORD';
		GRANT REPLICATION SLAVE ON *.* TO $DBK_REPL_USER@'127.0.0.1'"
	on nobinlog
	run --separate-stderr dbbackup --json full nb
	nb=$(jq -r .id <<<"$output")
	on target
	run --separate-stderr dbrestore --as-replica-of "127.0.0.1:$PORT_nobinlog" \
		--replication-password-file "$REPLPW" "$nb"
	assert_failure 1
	[ "$stderr" = "dbrestore: $nb has no binlog coordinates: the binary log of the server backed up was off, so no replica can start from it" ]
	[ -z "$(sql target "SHOW DATABASES WHERE \`Database\` IN ('app', 'nb')")" ]
	[ -z "$(sql target "SHOW ALL SLAVES STATUS")" ]

	# --reset-replica: consent to replace a target's replication.
	sql target "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $PORT_primary2,
		MASTER_USER = 'nobody', MASTER_CONNECT_RETRY = 1"
	run --separate-stderr dbrestore --as-replica-of "127.0.0.1:$PORT_primary" \
		--replication-password-file "$REPLPW" --reset-replica "$id"
	assert_success
	[ "$(mariadb --no-defaults -uroot -S "$SOCK_target" -e 'SHOW SLAVE STATUS\G' |
		awk '$1 == "Master_Port:" { print $2 }')" = "$PORT_primary" ]
}

@test "usage errors: modes, selections, the source, the password" {
	run --separate-stderr dbrestore --as-replica-of 127.0.0.1 --test latest
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "dbrestore: --as-replica-of restores into the server; --verify, --test, --sql and --events do not" ]
	run --separate-stderr dbrestore --as-replica-of 127.0.0.1 -D app latest
	assert_failure 2
	[[ $stderr == "dbrestore: --as-replica-of: a replica needs every database as backed up;"* ]]
	run --separate-stderr dbrestore --replica-sql latest
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "dbrestore: --replica-sql and --reset-replica go with --as-replica-of" ]
	run --separate-stderr dbrestore --as-replica-of 127.0.0.1:99999 \
		--replication-password-file "$REPLPW" latest
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "dbrestore: --as-replica-of: bad port in '127.0.0.1:99999'" ]
	run --separate-stderr dbrestore --as-replica-of 127.0.0.1 latest
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "dbrestore: --as-replica-of: no password for the replication account: --replication-password-file FILE, or DB_REPLICATION_PASSWORD" ]
	unset DB_REPLICATION_USER
	run --separate-stderr dbrestore --as-replica-of 127.0.0.1 latest
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "dbrestore: --as-replica-of: no replication user: give USER@HOST, or DB_REPLICATION_USER" ]
	# The password never on the command line.
	run --separate-stderr dbrestore --replication-password secret latest
	assert_failure 2
}

# Last: it purges the primary's binary logs.
@test "replication that fails to start is exit 1 with the server's error, and left configured but stopped" {
	on primary
	run --separate-stderr dbbackup --json full app
	id=$(jq -r .id <<<"$output")
	sql primary "INSERT INTO app.orders (item, qty) VALUES ('gone', 1);
		FLUSH BINARY LOGS"
	# Once the replica's dump thread has left the old file.
	last=$(sql primary 'SHOW MASTER STATUS' | cut -f1)
	for _ in $(seq 50); do
		sql primary "PURGE BINARY LOGS TO '$last'"
		[ "$(sql primary 'SHOW BINARY LOGS' | wc -l)" = 1 ] && break
		sleep 0.1
	done
	[ "$(sql primary 'SHOW BINARY LOGS' | cut -f1)" = "$last" ]
	server_start purged --server-id=18
	on purged
	run --separate-stderr dbrestore --as-replica-of "127.0.0.1:$PORT_primary" \
		--replication-password-file "$REPLPW" "$id"
	assert_failure 1
	[[ $stderr == "dbrestore: replication did not start: IO thread: Got fatal error 1236 from master"*"; the data is restored and replication configured but stopped: fix the cause, then START SLAVE" ]]
	[ "$(sql purged "SELECT COUNT(*) FROM app.counters")" = 2 ]
	[ "$(mariadb --no-defaults -uroot -S "$SOCK_purged" -e 'SHOW SLAVE STATUS\G' |
		awk '$1 == "Slave_IO_Running:" || $1 == "Slave_SQL_Running:" { printf "%s ", $2 }')" = "No No " ]
}

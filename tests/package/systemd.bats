#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# make check-systemd: the package's units run by systemd itself, sandbox
# and all, on a Debian 12 system booted in a container (nspawn.bash), with
# the distribution's MariaDB as its server.  The steps are dbkit(7)'s
# SCHEDULING: install the package, write /etc/dbkit/db1.env from the
# example, create the unix_socket account, start the services, enable the
# timers.  Root only; the first run downloads the container's system (a
# few minutes), so CI does not run it (tests/units.bats and
# tests/package/install.bats check the units there without systemd).
# The tests run in order, on one container.

# shellcheck disable=SC2154
load ../helper/common
load package
load nspawn

setup_file() {
	package_found 'boots a container'
	# The package's dependencies, from the package itself.
	local deps
	deps=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/^ *//; s/[ (].*//; s/|.*//')
	# shellcheck disable=SC2086
	nspawn_prepare $deps libcurl4
	nspawn_boot
	# A webhook receiver on the host's loopback, which the container shares.
	mkdir "$BATS_FILE_TMPDIR/hook"
	python3 "$TOP/tests/helper/httpd.py" --record "$BATS_FILE_TMPDIR/hook" \
		--port-file "$BATS_FILE_TMPDIR/hook.port" --timeout 600 record \
		>/dev/null 2>"$BATS_FILE_TMPDIR/hook.log" 3>&- &
	HOOK_PID=$!
	export HOOK_PID
}

teardown_file() {
	nspawn_stop
	[[ -z ${HOOK_PID-} ]] || kill "$HOOK_PID" 2>/dev/null || true
}

# unit_log UNIT: what UNIT wrote to the journal.
unit_log() {
	inside journalctl -q -o cat -u "$1" --no-pager
}

@test "the package installs in the booted system and creates only its user" {
	# The container's root is an overlay: the file is copied in through it.
	inside mkdir -p /tmp/pkg
	cat "$DEB" | inside sh -c 'cat > /tmp/pkg/dbkit.deb'
	run inside dpkg -i /tmp/pkg/dbkit.deb
	assert_success
	run inside id -un dbkit
	assert_output dbkit
	run inside test -e /var/lib/dbkit
	assert_failure
	run inside systemctl list-unit-files 'dbkit-*' --no-legend --no-pager
	assert_success
	assert_equal "$(grep -c '^dbkit-' <<<"$output")" 8
}

@test "the backup, incremental, prune and health services run in their sandbox" {
	# As dbkit(7) SCHEDULING says: the example file, the account, the
	# binary log for the incrementals.
	inside cp /usr/share/doc/dbkit/examples/dbkit.env /etc/dbkit/db1.env
	inside chmod 600 /etc/dbkit/db1.env
	for ((i = 0; i < 100; i++)); do
		[[ -s $BATS_FILE_TMPDIR/hook.port ]] && break
		sleep 0.1
	done
	echo "DB_MONITOR_ALERT_WEBHOOK=http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/hook.port")/hook" |
		inside sh -c 'cat >> /etc/dbkit/db1.env'
	printf '[mariadbd]\nlog-bin=mysql-bin\nserver-id=1\n' |
		inside sh -c 'cat > /etc/mysql/mariadb.conf.d/90-binlog.cnf'
	inside systemctl restart mariadb.service
	inside mariadb -e "CREATE USER dbkit@localhost IDENTIFIED VIA unix_socket;
		GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, RELOAD, PROCESS, REPLICA MONITOR,
		BINLOG MONITOR, REPLICATION SLAVE ON *.* TO dbkit@localhost;
		CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY, v TEXT);
		INSERT INTO shop.t VALUES (1, 'a'), (2, 'b')"

	run inside systemctl start dbkit-backup@db1.service
	assert_success
	run unit_log dbkit-backup@db1.service
	assert_line --regexp '^backup [0-9TZ]+-full: 1 database, 1 table, 2 rows'
	assert_line --regexp '^/var/lib/dbkit/db1/backups/[0-9TZ]+-full$'
	# systemd made the state directory, the dbkit user's and no one else's.
	assert_equal "$(inside stat -c '%U:%G %a' /var/lib/dbkit/db1)" 'dbkit:dbkit 750'

	inside mariadb -e "INSERT INTO shop.t VALUES (3, 'c')"
	run inside systemctl start dbkit-incremental@db1.service
	assert_success
	run inside systemctl start dbkit-prune@db1.service
	assert_success
	run unit_log dbkit-prune@db1.service
	assert_line --regexp '^1 kept, 0 deleted|^2 kept, 0 deleted'

	# The health check: the history, and the webhook (libcurl, loaded in
	# the sandbox) for its first run that is not ok (the server has just
	# restarted: uptime).
	run inside systemctl start dbkit-health@db1.service
	assert_success
	run inside wc -l /var/lib/dbkit/db1/health.jsonl
	assert_output --regexp '^1 '
	[[ -f $BATS_FILE_TMPDIR/hook/1.body ]] || fail "no webhook arrived: $(unit_log dbkit-health@db1.service)"
	assert_equal "$(jq -r .text "$BATS_FILE_TMPDIR/hook/1.body" | head -1)" 'dbhealth: DEGRADED: default warning'

	# The catalogue restores: the full backup and the incremental.
	inside mariadb -e 'DROP DATABASE shop'
	run inside dbrestore -d /var/lib/dbkit/db1/backups latest
	assert_success
	assert_equal "$(inside mariadb -N -e 'SELECT GROUP_CONCAT(v ORDER BY id) FROM shop.t')" a,b,c
}

@test "the sandbox keeps a unit out of paths it was not given, and a drop-in lets it in" {
	inside mkdir -p /srv/db1
	inside chown dbkit:dbkit /srv/db1
	echo 'DB_BACKUP_PATH=/srv/db1' | inside sh -c 'cat >> /etc/dbkit/db1.env'
	run inside systemctl start dbkit-backup@db1.service
	assert_failure
	run unit_log dbkit-backup@db1.service
	assert_output --partial 'Read-only file system'
	# dbkit(7)'s drop-in.
	inside mkdir -p /etc/systemd/system/dbkit-backup@db1.service.d
	printf '[Service]\nReadWritePaths=/srv/db1\n' |
		inside sh -c 'cat > /etc/systemd/system/dbkit-backup@db1.service.d/catalogue.conf'
	inside systemctl daemon-reload
	run inside systemctl start dbkit-backup@db1.service
	assert_success
	run inside sh -c 'ls /srv/db1 | grep -c full'
	assert_output 1
	# Rated as systemd-analyze rates the installed unit.
	run inside systemd-analyze security --no-pager dbkit-backup@db1.service
	assert_line --regexp 'Overall exposure level for dbkit-backup@db1.service: [0-1]\.[0-9] OK'
}

@test "the timers enable and are scheduled" {
	run inside systemctl enable --now dbkit-backup@db1.timer dbkit-incremental@db1.timer \
		dbkit-prune@db1.timer dbkit-health@db1.timer
	assert_success
	run inside systemctl list-timers 'dbkit-*' --no-legend --no-pager
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_output --partial 'dbkit-backup@db1.service'
	assert_output --partial 'dbkit-health@db1.service'
	assert_equal "$(inside systemctl show -P Persistent dbkit-backup@db1.timer)" yes
}

@test "purging the package keeps the backups and the settings" {
	run inside dpkg --purge dbkit
	assert_success
	run inside test -d /var/lib/dbkit/db1/backups
	assert_success
	run inside test -f /etc/dbkit/db1.env
	assert_success
	run inside test -e /usr/bin/dbbackup
	assert_failure
}

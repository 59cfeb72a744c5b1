# SPDX-License-Identifier: ISC
#
# tests/helper/server.bash: real, private MariaDB servers for the bats suites.
#
# A bats file loads it with `load helper/server` (bats resolves the name
# relative to the test file's directory and adds .bash), typically:
#
#	setup_file()    { server_start main; }
#	teardown_file() { server_stop_all; }
#	setup()         { use_server main; }
#
# How it works. mariadb-install-db runs once per test run into a template
# datadir (under $DBK_TEST_CACHE, else $BATS_RUN_TMPDIR, made under a mkdir
# lock so parallel bats files share it); each server gets a `cp -a` of it,
# so a start takes about 0.3 s. Each server lives in its own short
# directory, mktemp -d /tmp/dbk.XXXXXX (a Unix socket path must fit in 107
# bytes), holding data/, mysqld.sock, mysqld.pid, error.log and our own
# records: pid (the pid we launched; mariadbd deletes its pid file when it
# stops), port, port2, args (for server_restart) and name. It listens on
# 127.0.0.1 at a random free port in 20000-60000; a start that fails
# because the port was taken meanwhile is retried on another port.
#
# mariadbd runs as the current user (--user=root when root) with
# --no-defaults, so no my.cnf on the machine matters, and with
# --skip-name-resolve, utf8mb4, a 64M buffer pool, a 16M redo log and
# innodb_flush_log_at_trx_commit=2 (tests need speed, not durability).
#
# Every server started is listed in a registry file in $BATS_FILE_TMPDIR,
# so server_stop_all in teardown_file also stops servers started inside a
# test (tests run in their own processes: such a server outlives the test,
# its SOCK_... exports do not). A process is only ever signalled after
# checking that its command line names our datadir, so a recycled pid is
# never hit, and nothing the helper did not start is ever touched. bats
# runs teardown_file after a failed setup_file and after Ctrl-C too.
#
# The helper prints nothing on success; failures go to stderr with the tail
# of the server's error log, and the function returns non-zero.
#
# Functions (NAME: a letter, then letters, digits, _):
#
#   server_start NAME [MARIADBD_ARG...]
#	Start a server; extra arguments go to mariadbd after ours (later wins).
#	An argument containing @FREE_PORT@ gets a second free port there.
#	Creates, on 'localhost' and '127.0.0.1' (not binlogged):
#	  dbk_admin   / adminpw    ALL PRIVILEGES ON *.* WITH GRANT OPTION
#	  dbk_monitor / monitorpw  PROCESS, REPLICA MONITOR ON *.* (least privilege)
#	  dbk_nopriv  / noprivpw   USAGE only
#	root has no password (over the socket or 127.0.0.1).
#	Exports SOCK_<NAME>, PORT_<NAME>, DIR_<NAME>, PID_<NAME>, each also under
#	the upper-cased name (SOCK_primary and SOCK_PRIMARY).
#   server_stop NAME [--keep]
#			  SIGTERM, wait up to 60 s (then SIGKILL), remove its
#			  dir and unset its variables; with --keep, a clean
#			  shutdown that keeps both for server_restart
#   server_kill NAME      SIGKILL (crash tests); the dir stays for
#			  server_restart, server_stop or server_stop_all
#   server_restart NAME   start a killed or --keep-stopped server again on
#			  the same datadir, port and arguments (after a kill,
#			  InnoDB crash recovery runs); updates PID_<NAME>
#   server_stop_all       stop every server this bats file started (teardown_file)
#   sql NAME [SQL]        run SQL (or stdin) as root over the socket,
#			  mariadb -N -B; prints the result
#   use_server NAME       point the dbkit programs at NAME: unset every DB_*
#			  (and MYSQL_*) variable, then export DB_SOCKET,
#			  DB_USER=dbk_admin, DB_PASSWORD=adminpw,
#			  DB_MONITOR_WARN_UPTIME=0 (a fresh server's uptime is
#			  always low) and HOME=$BATS_TEST_TMPDIR (a fresh dir
#			  outside a test) so no ~/.my.cnf interferes
#   replication_start     servers primary (--log-bin --server-id=1
#			  --gtid-domain-id=1 --binlog-format=ROW), primary2
#			  (server-id 2, domain 2, ROW) and replica
#			  (server-id 3, --log-bin --read-only);
#			  the replica's default connection '' replicates
#			  primary and connection 'second' primary2, GTID
#			  slave_pos, user $DBK_REPL_USER/$DBK_REPL_PASSWORD
#			  (dbk_repl/replpw), MASTER_CONNECT_RETRY=1. Returns
#			  once both connections run (IO and SQL Yes), or
#			  fails after 30 s showing their errors.
#   replication_wait_caught_up [SECONDS]
#			  wait (default 30) until the replica has applied
#			  everything both primaries have binlogged
#   galera_start NAME [MARIADBD_ARG...]
#			  a single-node Galera cluster (bootstrap, galera-4),
#			  returns once wsrep_ready=ON; exports GPORT_<NAME>
#			  (its gcomm port)
#   tls_make_certs DIR    test PKI made with openssl: ca.pem ca-key.pem;
#			  server-cert.pem server-key.pem (DNS:localhost,
#			  IP:127.0.0.1); client-cert.pem client-key.pem;
#			  other-ca.pem other-ca-key.pem (an unrelated CA);
#			  otherhost-cert.pem otherhost-key.pem (right CA, wrong
#			  name: DNS:otherhost only). RSA 2048, 30 days.
#
# Variables read: DBK_TEST_CACHE (where the template datadir lives),
# DBK_SERVER_TIMEOUT (seconds to wait for a start or stop, default 60).

DBK_REPL_USER=dbk_repl
DBK_REPL_PASSWORD=replpw

_dbk_err() {
	printf 'server.bash: %s\n' "$*" >&2
}

_dbk_check_name() {
	if [[ ! ${1-} =~ ^[A-Za-z][A-Za-z0-9_]*$ ]]; then
		_dbk_err "bad server name '${1-}' (letters, digits, _)"
		return 1
	fi
}

# The registry lists "NAME DIR" for every server this bats file started.
_dbk_registry() {
	if [[ -n ${BATS_FILE_TMPDIR-} ]]; then
		printf '%s/dbk-servers\n' "$BATS_FILE_TMPDIR"
	else
		printf '%s/dbk-servers.%s\n' "${TMPDIR:-/tmp}" "$$"
	fi
}

# _dbk_dir NAME: the server's directory, from DIR_<NAME> or the registry.
_dbk_dir() {
	local var="DIR_$1" reg line
	if [[ -n ${!var-} && -d ${!var} ]]; then
		printf '%s\n' "${!var}"
		return 0
	fi
	reg=$(_dbk_registry)
	[[ -f $reg ]] || return 1
	line=$(awk -v n="$1" '$1 == n { d = $2 } END { if (d != "") print d }' "$reg")
	[[ -n $line && -d $line ]] || return 1
	printf '%s\n' "$line"
}

# _dbk_alive PID: the process exists and is not a zombie.
_dbk_alive() {
	local state
	[[ -n ${1-} && -r /proc/$1/stat ]] || return 1
	state=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $state && $state != Z && $state != X ]]
}

# _dbk_ours PID DIR: PID is alive and is the mariadbd we started on DIR.
_dbk_ours() {
	_dbk_alive "$1" || return 1
	grep -zFqx -- "--datadir=$2/data" "/proc/$1/cmdline" 2>/dev/null
}

# _dbk_port_free PORT: nothing accepts connections on 127.0.0.1:PORT.
_dbk_port_free() {
	! (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_dbk_free_port() {
	local port i
	for ((i = 0; i < 100; i++)); do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
		if [[ $port != "${1-}" ]] && _dbk_port_free "$port"; then
			printf '%s\n' "$port"
			return 0
		fi
	done
	_dbk_err "no free TCP port found in 20000-60000"
	return 1
}

_dbk_timeout() {
	printf '%s\n' "${DBK_SERVER_TIMEOUT:-60}"
}

# _dbk_template: print the path of the ready-made datadir, creating it once
# per test run. Its name carries a checksum of mariadbd --version, so a
# cache kept across runs never serves an older server's datadir. The lock
# is a directory; one left by a dead process is taken over.
_dbk_template() {
	local cache tpl lock owner deadline version
	cache=${DBK_TEST_CACHE:-${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}/dbk-cache.$EUID}}
	version=$(mariadbd --version | cksum | cut -d' ' -f1) || return 1
	tpl=$cache/dbk-template.$version
	lock=$tpl.lock
	if [[ -f $tpl/ready ]]; then
		printf '%s\n' "$tpl/data"
		return 0
	fi
	mkdir -p "$cache" || return 1
	deadline=$((SECONDS + 120))
	until mkdir "$lock" 2>/dev/null; do
		if [[ -f $tpl/ready ]]; then
			printf '%s\n' "$tpl/data"
			return 0
		fi
		owner=$(cat "$lock/pid" 2>/dev/null) || owner=
		if [[ -n $owner ]] && ! _dbk_alive "$owner"; then
			rm -rf "$lock"
			continue
		fi
		if ((SECONDS >= deadline)); then
			_dbk_err "timed out waiting for the lock $lock"
			return 1
		fi
		sleep 0.1
	done
	echo "$BASHPID" >"$lock/pid"
	if [[ ! -f $tpl/ready ]]; then
		rm -rf "$tpl"
		mkdir -p "$tpl"
		local -a install=(mariadb-install-db --no-defaults
			--auth-root-authentication-method=normal --skip-test-db
			--datadir="$tpl/data" --innodb-buffer-pool-size=64M
			--innodb-log-file-size=16M --character-set-server=utf8mb4)
		if ((EUID == 0)); then
			install+=(--user=root)
		fi
		if ! "${install[@]}" </dev/null >"$tpl/install.log" 2>&1 3>&-; then
			_dbk_err "mariadb-install-db failed:"
			tail -n 30 "$tpl/install.log" >&2
			rm -rf "$tpl" "$lock"
			return 1
		fi
		touch "$tpl/ready"
	fi
	rm -rf "$lock"
	printf '%s\n' "$tpl/data"
}

# _dbk_launch DIR: start mariadbd on DIR with DIR/port and DIR/args and
# wait until it answers. Returns 0 when up, 2 when the start failed because
# a port was taken, 1 on any other failure (the process is gone then).
_dbk_launch() {
	local dir=$1 port pid deadline
	local -a args=() cmd
	port=$(cat "$dir/port")
	mapfile -t args <"$dir/args"
	cmd=(mariadbd --no-defaults)
	if ((EUID == 0)); then
		cmd+=(--user=root)
	fi
	# A private tmpdir: a starting mariadbd deletes the #sql* files it finds
	# in its tmpdir, which would be other servers' live temporary tables.
	mkdir -p "$dir/tmp"
	cmd+=(--datadir="$dir/data" --tmpdir="$dir/tmp" --socket="$dir/mysqld.sock"
		--pid-file="$dir/mysqld.pid" --log-error="$dir/error.log"
		--port="$port" --bind-address=127.0.0.1 --skip-name-resolve
		--character-set-server=utf8mb4
		--innodb-buffer-pool-size=64M --innodb-log-file-size=16M
		--innodb-flush-log-at-trx-commit=2
		"${args[@]}")
	# fd 3 is bats' output pipe: a server holding it would keep bats waiting.
	# disown: bash still reaps it, but prints no "Killed" line when it dies.
	"${cmd[@]}" </dev/null >>"$dir/stdout.log" 2>&1 3>&- &
	pid=$!
	disown "$pid"
	echo "$pid" >"$dir/pid"
	deadline=$((SECONDS + $(_dbk_timeout)))
	while :; do
		if ! _dbk_alive "$pid"; then
			if grep -Eq 'Bind on TCP/IP port|Address already in use|another server running on port' \
				"$dir/error.log" 2>/dev/null; then
				return 2
			fi
			return 1
		fi
		if mariadb-admin --no-defaults --connect-timeout=2 -uroot \
			--socket="$dir/mysqld.sock" ping >/dev/null 2>&1; then
			return 0
		fi
		if ((SECONDS >= deadline)); then
			_dbk_err "mariadbd did not answer within $(_dbk_timeout) s"
			kill -KILL "$pid" 2>/dev/null || true
			while _dbk_alive "$pid"; do
				sleep 0.05
			done
			return 1
		fi
		sleep 0.05
	done
}

_dbk_export() {
	local name=$1 dir=$2 upper
	upper=${name^^}
	export "SOCK_$name=$dir/mysqld.sock" "PORT_$name=$(cat "$dir/port")"
	export "DIR_$name=$dir" "PID_$name=$(cat "$dir/pid")"
	if [[ $upper != "$name" ]]; then
		export "SOCK_$upper=$dir/mysqld.sock" "PORT_$upper=$(cat "$dir/port")"
		export "DIR_$upper=$dir" "PID_$upper=$(cat "$dir/pid")"
	fi
}

_dbk_unexport() {
	local name=$1 upper=${1^^}
	unset "SOCK_$name" "PORT_$name" "DIR_$name" "PID_$name" "GPORT_$name"
	unset "SOCK_$upper" "PORT_$upper" "DIR_$upper" "PID_$upper" "GPORT_$upper"
}

_dbk_fail_log() {
	_dbk_err "mariadbd '$1' failed to start; end of $2/error.log:"
	tail -n 25 "$2/error.log" >&2 2>/dev/null
}

server_start() {
	local name=${1-} tpl dir old rc=1 attempt port port2 a
	local -a args=()
	_dbk_check_name "$name" || return 1
	shift
	if old=$(_dbk_dir "$name") && _dbk_ours "$(cat "$old/pid" 2>/dev/null)" "$old"; then
		_dbk_err "server '$name' is already running ($old)"
		return 1
	fi
	tpl=$(_dbk_template) || return 1
	dir=$(mktemp -d /tmp/dbk.XXXXXX) || return 1
	echo "$name" >"$dir/name"
	echo "$name $dir" >>"$(_dbk_registry)"
	for attempt in 1 2 3 4 5; do
		port=$(_dbk_free_port) || break
		port2=$(_dbk_free_port "$port") || break
		args=()
		for a in "$@"; do
			args+=("${a//@FREE_PORT@/$port2}")
		done
		echo "$port" >"$dir/port"
		echo "$port2" >"$dir/port2"
		: >"$dir/args"
		if ((${#args[@]} > 0)); then
			printf '%s\n' "${args[@]}" >"$dir/args"
		fi
		rm -rf "$dir/data" "$dir/error.log"
		cp -a "$tpl" "$dir/data" || break
		rc=0
		_dbk_launch "$dir" || rc=$?
		((rc == 2)) || break
	done
	if ((rc != 0)); then
		((rc == 2)) && _dbk_err "ports kept being taken ($attempt attempts)"
		_dbk_fail_log "$name" "$dir"
		rm -rf "$dir"
		return 1
	fi
	# Not binlogged: a replica must not replay another server's test users.
	if ! _dbk_sql_dir "$dir" "SET SESSION sql_log_bin = 0;
		CREATE USER dbk_admin@localhost IDENTIFIED BY 'adminpw';
		CREATE USER dbk_admin@'127.0.0.1' IDENTIFIED BY 'adminpw';
		GRANT ALL PRIVILEGES ON *.* TO dbk_admin@localhost WITH GRANT OPTION;
		GRANT ALL PRIVILEGES ON *.* TO dbk_admin@'127.0.0.1' WITH GRANT OPTION;
		CREATE USER dbk_monitor@localhost IDENTIFIED BY 'monitorpw';
		CREATE USER dbk_monitor@'127.0.0.1' IDENTIFIED BY 'monitorpw';
		GRANT PROCESS, REPLICA MONITOR ON *.* TO dbk_monitor@localhost;
		GRANT PROCESS, REPLICA MONITOR ON *.* TO dbk_monitor@'127.0.0.1';
		CREATE USER dbk_nopriv@localhost IDENTIFIED BY 'noprivpw';
		CREATE USER dbk_nopriv@'127.0.0.1' IDENTIFIED BY 'noprivpw';"; then
		_dbk_err "creating the test users on '$name' failed"
		_dbk_stop_dir "$dir"
		return 1
	fi
	_dbk_export "$name" "$dir"
}

# _dbk_sql_dir DIR [SQL]: sql for a server known by its directory.
_dbk_sql_dir() {
	local dir=$1
	shift
	if (($# > 0)); then
		mariadb --no-defaults -uroot --socket="$dir/mysqld.sock" \
			--default-character-set=utf8mb4 -N -B -e "$1"
	else
		mariadb --no-defaults -uroot --socket="$dir/mysqld.sock" \
			--default-character-set=utf8mb4 -N -B
	fi
}

sql() {
	local dir
	_dbk_check_name "${1-}" || return 1
	if ! dir=$(_dbk_dir "$1"); then
		_dbk_err "sql: no server '$1'"
		return 1
	fi
	shift
	_dbk_sql_dir "$dir" "$@"
}

# _dbk_stop_dir DIR [keep]: stop our mariadbd on DIR (SIGTERM, then SIGKILL
# after the timeout) and remove DIR unless asked to keep it.
_dbk_stop_dir() {
	local dir=$1 keep=${2-} pid deadline
	pid=$(cat "$dir/pid" 2>/dev/null) || pid=
	if [[ -n $pid ]] && _dbk_ours "$pid" "$dir"; then
		kill -TERM "$pid" 2>/dev/null || true
		deadline=$((SECONDS + $(_dbk_timeout)))
		while _dbk_alive "$pid"; do
			if ((SECONDS >= deadline)); then
				_dbk_err "mariadbd $pid ($dir) ignored SIGTERM for $(_dbk_timeout) s; killing it"
				kill -KILL "$pid" 2>/dev/null || true
				sleep 0.5
				break
			fi
			sleep 0.05
		done
	fi
	if [[ -z $keep && $dir == /tmp/dbk.* ]]; then
		rm -rf "$dir"
	fi
}

server_stop() {
	local name=${1-} dir
	_dbk_check_name "$name" || return 1
	if ! dir=$(_dbk_dir "$name"); then
		_dbk_unexport "$name"
		return 0
	fi
	if [[ ${2-} == --keep ]]; then
		_dbk_stop_dir "$dir" keep
		return 0
	fi
	_dbk_stop_dir "$dir"
	_dbk_unexport "$name"
}

server_kill() {
	local name=${1-} dir pid
	_dbk_check_name "$name" || return 1
	if ! dir=$(_dbk_dir "$name"); then
		_dbk_err "server_kill: no server '$name'"
		return 1
	fi
	pid=$(cat "$dir/pid")
	if _dbk_ours "$pid" "$dir"; then
		kill -KILL "$pid" 2>/dev/null || true
		while _dbk_alive "$pid"; do
			sleep 0.05
		done
	fi
	return 0
}

server_restart() {
	local name=${1-} dir
	_dbk_check_name "$name" || return 1
	if ! dir=$(_dbk_dir "$name"); then
		_dbk_err "server_restart: no server '$name'"
		return 1
	fi
	if _dbk_ours "$(cat "$dir/pid")" "$dir"; then
		_dbk_err "server_restart: '$name' is still running"
		return 1
	fi
	if ! _dbk_launch "$dir"; then
		_dbk_fail_log "$name" "$dir"
		return 1
	fi
	_dbk_export "$name" "$dir"
}

server_stop_all() {
	local reg name dir
	reg=$(_dbk_registry)
	[[ -f $reg ]] || return 0
	while read -r name dir; do
		if [[ -d $dir ]]; then
			_dbk_stop_dir "$dir"
		fi
		_dbk_unexport "$name"
	done <"$reg"
	rm -f "$reg"
	return 0
}

use_server() {
	local dir v
	_dbk_check_name "${1-}" || return 1
	if ! dir=$(_dbk_dir "$1"); then
		_dbk_err "use_server: no server '$1'"
		return 1
	fi
	for v in $(compgen -v DB_) $(compgen -v MYSQL_); do
		unset "$v"
	done
	unset MARIADB_HOME
	export DB_SOCKET=$dir/mysqld.sock DB_USER=dbk_admin DB_PASSWORD=adminpw
	export DB_MONITOR_WARN_UPTIME=0
	if [[ -n ${BATS_TEST_TMPDIR-} && -d ${BATS_TEST_TMPDIR} ]]; then
		HOME=$BATS_TEST_TMPDIR
	else
		HOME=$(mktemp -d "${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/home.XXXXXX") || return 1
	fi
	export HOME
}

# _dbk_slave_field STATUS CONNECTION FIELD: one field of SHOW ALL SLAVES
# STATUS (vertical output) for one connection.
_dbk_slave_field() {
	awk -v c="$2" -v f="$3" '
		$1 == "Connection_name:" { cur = $2 }
		$1 == f ":" && cur == c { sub(/^[^:]*: ?/, ""); print; exit }' <<<"$1"
}

# shellcheck disable=SC2154 # PORT_<NAME>, SOCK_<NAME> come from _dbk_export.
replication_start() {
	local p deadline status conn io sqlr ok
	server_start primary --log-bin=mysql-bin --server-id=1 \
		--gtid-domain-id=1 --binlog-format=ROW || return 1
	server_start primary2 --log-bin=mysql-bin --server-id=2 \
		--gtid-domain-id=2 --binlog-format=ROW || return 1
	server_start replica --server-id=3 --log-bin=mysql-bin \
		--relay-log=relay-bin --read-only || return 1
	for p in primary primary2; do
		sql "$p" "SET SESSION sql_log_bin = 0;
			CREATE USER $DBK_REPL_USER@'127.0.0.1' IDENTIFIED BY '$DBK_REPL_PASSWORD';
			GRANT REPLICATION SLAVE ON *.* TO $DBK_REPL_USER@'127.0.0.1';" || return 1
	done
	sql replica "CHANGE MASTER TO MASTER_HOST='127.0.0.1',
			MASTER_PORT=$PORT_primary, MASTER_USER='$DBK_REPL_USER',
			MASTER_PASSWORD='$DBK_REPL_PASSWORD',
			MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
		CHANGE MASTER 'second' TO MASTER_HOST='127.0.0.1',
			MASTER_PORT=$PORT_primary2, MASTER_USER='$DBK_REPL_USER',
			MASTER_PASSWORD='$DBK_REPL_PASSWORD',
			MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
		START ALL SLAVES;" || return 1
	deadline=$((SECONDS + 30))
	while :; do
		status=$(mariadb --no-defaults -uroot --socket="$SOCK_replica" \
			-e 'SHOW ALL SLAVES STATUS\G') || return 1
		ok=1
		for conn in "" second; do
			io=$(_dbk_slave_field "$status" "$conn" Slave_IO_Running)
			sqlr=$(_dbk_slave_field "$status" "$conn" Slave_SQL_Running)
			[[ $io == Yes && $sqlr == Yes ]] || ok=0
		done
		((ok)) && return 0
		if ((SECONDS >= deadline)); then
			_dbk_err "replication did not start within 30 s:"
			grep -E 'Connection_name|Slave_(IO|SQL)_Running:|Last_(IO|SQL)_Error' \
				<<<"$status" >&2
			return 1
		fi
		sleep 0.1
	done
}

replication_wait_caught_up() {
	local timeout=${1:-30} p pos r
	for p in primary primary2; do
		pos=$(sql "$p" "SELECT @@GLOBAL.gtid_binlog_pos") || return 1
		[[ -n $pos ]] || continue
		r=$(sql replica "SELECT MASTER_GTID_WAIT('$pos', $timeout)") || return 1
		if [[ $r != 0 ]]; then
			_dbk_err "replica did not reach $p's position $pos within $timeout s" \
				"(replica at $(sql replica 'SELECT @@GLOBAL.gtid_slave_pos'))"
			return 1
		fi
	done
}

galera_start() {
	local name=${1-} provider=/usr/lib/galera/libgalera_smm.so deadline ready dir
	_dbk_check_name "$name" || return 1
	shift
	if [[ ! -f $provider ]]; then
		_dbk_err "galera_start: $provider not found (install galera-4)"
		return 1
	fi
	server_start "$name" --wsrep-on=ON --wsrep-provider="$provider" \
		--wsrep-cluster-address=gcomm:// --wsrep-cluster-name="dbk_$name" \
		--wsrep-node-address=127.0.0.1 --wsrep-node-name="$name" \
		--binlog-format=ROW --innodb-autoinc-lock-mode=2 \
		--wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:@FREE_PORT@;gcache.size=16M" \
		"$@" || return 1
	dir=$(_dbk_dir "$name")
	export "GPORT_$name=$(cat "$dir/port2")" "GPORT_${name^^}=$(cat "$dir/port2")"
	deadline=$((SECONDS + $(_dbk_timeout)))
	until ready=$(sql "$name" "SHOW GLOBAL STATUS LIKE 'wsrep_ready'" | cut -f2) &&
		[[ $ready == ON ]]; do
		if ((SECONDS >= deadline)); then
			_dbk_err "galera '$name': wsrep_ready is '$ready' after $(_dbk_timeout) s"
			tail -n 25 "$dir/error.log" >&2
			return 1
		fi
		sleep 0.1
	done
}

tls_make_certs() {
	local dir=${1-}
	if [[ -z $dir ]]; then
		_dbk_err "tls_make_certs: no directory given"
		return 1
	fi
	mkdir -p "$dir" || return 1
	(
		set -e
		cd "$dir"
		serial() { printf '0x%s' "$(openssl rand -hex 8)"; }
		# sign NAME CN SAN: NAME-key.pem, NAME-cert.pem signed by ca.pem.
		sign() {
			openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$2" \
				-keyout "$1-key.pem" -out "$1.csr" 2>/dev/null
			printf 'basicConstraints = critical, CA:FALSE\n%s\n' "$3" >"$1.ext"
			openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem \
				-set_serial "$(serial)" -days 30 -sha256 \
				-extfile "$1.ext" -out "$1-cert.pem" 2>/dev/null
			rm -f "$1.csr" "$1.ext"
		}
		openssl req -x509 -newkey rsa:2048 -nodes -days 30 -sha256 \
			-subj "/CN=dbkit test CA" -set_serial "$(serial)" \
			-addext "basicConstraints = critical, CA:TRUE" \
			-addext "keyUsage = critical, keyCertSign, cRLSign" \
			-keyout ca-key.pem -out ca.pem 2>/dev/null
		openssl req -x509 -newkey rsa:2048 -nodes -days 30 -sha256 \
			-subj "/CN=dbkit other CA" -set_serial "$(serial)" \
			-addext "basicConstraints = critical, CA:TRUE" \
			-addext "keyUsage = critical, keyCertSign, cRLSign" \
			-keyout other-ca-key.pem -out other-ca.pem 2>/dev/null
		sign server localhost \
			'subjectAltName = DNS:localhost, IP:127.0.0.1
extendedKeyUsage = serverAuth'
		sign otherhost otherhost \
			'subjectAltName = DNS:otherhost
extendedKeyUsage = serverAuth'
		sign client dbk_admin 'extendedKeyUsage = clientAuth'
	) || {
		_dbk_err "tls_make_certs: openssl failed in $dir"
		return 1
	}
}

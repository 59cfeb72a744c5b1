# SPDX-License-Identifier: ISC
#
# tests/package/nspawn.bash: a Debian 12 system booted with systemd as
# process 1 in a systemd-nspawn container, for tests of the units as
# systemd runs them, sandbox included.  Its root is made once with
# debootstrap (minbase, systemd, mariadb-server and the package's
# dependencies: a few minutes and about 400 MB from the Debian mirror) in
# NSPAWN_ROOT, /var/tmp/dbkit-nspawn-root unless set, and booted with
# --volatile=overlay: everything a test writes there is gone when the
# container stops.  The container shares the host's network, so a
# server on the host's 127.0.0.1 is reachable from it.
#
# nspawn expects a host that runs systemd: without one (a CI or build
# container) the boot runs in a private mount namespace that gets the
# /run/systemd it would have made, and --keep-unit and --register=no keep
# nspawn off the bus it does not have.
#
#   nspawn_prepare PACKAGES...  make the root if it does not exist yet
#   nspawn_boot                 boot it; NSPAWN_PID is the container's init
#   inside CMD...               run CMD in the container as root
#   nspawn_stop                 power it off (and kill it after 30 s)

NSPAWN_ROOT=${NSPAWN_ROOT:-/var/tmp/dbkit-nspawn-root}

nspawn_prepare() {
	local include
	if [[ ! -x $NSPAWN_ROOT/usr/lib/systemd/systemd || ! -x $NSPAWN_ROOT/usr/sbin/mariadbd ]]; then
		include=$(IFS=,; echo "systemd,systemd-sysv,dbus,mariadb-server,mariadb-client,procps,$*")
		rm -rf "$NSPAWN_ROOT.new"
		debootstrap --variant=minbase --include="$include" bookworm "$NSPAWN_ROOT.new" \
			http://deb.debian.org/debian >"$BATS_FILE_TMPDIR/debootstrap.log" 2>&1 || {
			tail -n 20 "$BATS_FILE_TMPDIR/debootstrap.log" >&2
			return 1
		}
		echo dbkit-nspawn >"$NSPAWN_ROOT.new/etc/hostname"
		mv "$NSPAWN_ROOT.new" "$NSPAWN_ROOT"
	fi
	# The container shares the host's network, where port 3306 may be
	# taken: its server listens on its socket only.
	printf '[mariadbd]\nskip-networking\n' >"$NSPAWN_ROOT/etc/mysql/mariadb.conf.d/95-nspawn.cnf"
}

nspawn_boot() {
	local i
	# shellcheck disable=SC2016
	timeout 1800 unshare -m --propagation private sh -c '
		set -e
		if ! mountpoint -q /run/systemd/system 2>/dev/null; then
			mkdir -p /run/systemd
			mount -t tmpfs tmpfs /run/systemd
			mkdir /run/systemd/nspawn /run/systemd/inaccessible
			cd /run/systemd/inaccessible
			touch reg; mkdir dir; mknod chr c 0 0; mknod blk b 0 0; mkfifo fifo
			python3 -c "import socket; socket.socket(socket.AF_UNIX).bind(\"sock\")"
			chmod 0 reg dir chr blk fifo sock
			cd /
		fi
		exec systemd-nspawn -D "$1" --volatile=overlay -b -M dbkit-nspawn \
			--register=no --keep-unit --console=passive' sh "$NSPAWN_ROOT" \
		>"$BATS_FILE_TMPDIR/nspawn.log" 2>&1 &
	NSPAWN_LAUNCHER=$!
	export NSPAWN_LAUNCHER
	local main
	for ((i = 0; i < 300; i++)); do
		main=$(pgrep -P "$NSPAWN_LAUNCHER" -x systemd-nspawn) &&
			NSPAWN_PID=$(pgrep -P "$main" -x systemd) && break
		kill -0 "$NSPAWN_LAUNCHER" 2>/dev/null || break
		sleep 0.1
	done
	if [[ -z ${NSPAWN_PID-} ]]; then
		echo "nspawn_boot: the container did not start:" >&2
		cat "$BATS_FILE_TMPDIR/nspawn.log" >&2
		return 1
	fi
	export NSPAWN_PID
	# Booted: running, or degraded when a unit of the base system failed
	# (systemctl cannot connect at all until systemd has set up).
	local state=''
	for ((i = 0; i < 1200; i++)); do
		state=$(inside systemctl is-system-running 2>/dev/null) || true
		[[ $state == running || $state == degraded ]] && break
		sleep 0.1
	done
	if [[ $state != running && $state != degraded ]]; then
		echo "nspawn_boot: the container's system is '$state' after 120 s" >&2
		return 1
	fi
	inside systemctl is-active --quiet mariadb.service
}

inside() {
	nsenter -t "$NSPAWN_PID" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		TERM=dumb LANG=C.UTF-8 "$@"
}

nspawn_stop() {
	local i
	[[ -n ${NSPAWN_PID-} ]] || return 0
	inside systemctl poweroff >/dev/null 2>&1 || true
	for ((i = 0; i < 300; i++)); do
		kill -0 "$NSPAWN_LAUNCHER" 2>/dev/null || return 0
		sleep 0.1
	done
	# The container's init: killing it ends every process of the container.
	kill -KILL "$NSPAWN_PID" 2>/dev/null || true
}

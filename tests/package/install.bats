#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# make check-package: the Debian package that make deb left in dist/,
# checked by lintian, installed with apt as an administrator would, used
# from the installed paths, and purged.  It installs and removes a
# package, so it runs as root and only through make check-package (CI),
# not in make check.  The tests run in order: install, use, purge.

# shellcheck disable=SC2154
load ../helper/common
load package

PROGRAMS=(dbhealth dbbackup dbrestore dbprune dbpool-bench)

setup_file() {
	package_found 'installs a package'
}

teardown_file() {
	server_stop_all
}

@test "lintian finds no error or warning in the package" {
	run lintian --pedantic --fail-on error,warning "${DEB%.deb}.changes"
	assert_success
	refute_line --regexp '^[EW]: '
}

@test "apt installs the package with its dependencies, and enables nothing" {
	run apt-get install -y -q --no-install-recommends "$DEB"
	assert_success
	assert_equal "$(dpkg-query -W -f='${Status} ${Version}' dbkit)" "install ok installed $VERSION"
	# The timers are templates, shipped disabled.
	run find /etc/systemd/system -name 'dbkit*'
	assert_output ''
	# The user the units run as, and no directory that would hold data.
	assert_equal "$(getent passwd dbkit | cut -d: -f6,7)" /var/lib/dbkit:/usr/sbin/nologin
	[[ ! -e /var/lib/dbkit ]] || fail "/var/lib/dbkit was created"
	[[ -d /etc/dbkit && -z $(ls -A /etc/dbkit) ]] || fail "/etc/dbkit is not an empty directory"
}

@test "the installed programs run and man finds their pages" {
	for p in "${PROGRAMS[@]}"; do
		run --separate-stderr "/usr/bin/$p" --version
		assert_success
		assert_output "$p (dbkit) $VERSION"
	done
	run man -w dbbackup
	assert_success
	assert_output /usr/share/man/man1/dbbackup.1.gz
	run man -w 7 dbkit
	assert_output /usr/share/man/man7/dbkit.7.gz
	run man -w 5 dbkit-backup
	assert_output /usr/share/man/man5/dbkit-backup.5.gz
	run bash -c 'MANPAGER=cat MANWIDTH=80 man dbkit 2>/dev/null | grep -c "dbkit-backup@"'
	assert_success
	((output > 0))
}

@test "the installed units pass systemd-analyze verify, their man pages included" {
	local units=() u
	for u in backup incremental prune health; do
		units+=("/lib/systemd/system/dbkit-$u@db1.service" "/lib/systemd/system/dbkit-$u@db1.timer")
	done
	run systemd-analyze verify "${units[@]}"
	assert_success
	assert_output ''
	grep -qx 'ExecStart=/usr/bin/dbbackup full $DBKIT_BACKUP_OPTIONS' /lib/systemd/system/dbkit-backup@.service
}

@test "bash and zsh find the installed completion" {
	for p in "${PROGRAMS[@]}"; do
		run bash -c ". /usr/share/bash-completion/bash_completion; _completion_loader $p; complete -p $p"
		assert_success
		assert_output --regexp "^complete .*-F _dbkit[a-z_]* $p\$"
		run zsh -fc "autoload -U compinit; compinit -u -D; print -r -- \$_comps[$p]"
		assert_success
		assert_output _dbkit
	done
}

@test "the installed programs back up a server and verify the backup" {
	server_start main
	use_server main
	sql main 'CREATE DATABASE pkg; CREATE TABLE pkg.t (id INT PRIMARY KEY); INSERT INTO pkg.t VALUES (1), (2)'
	run --separate-stderr /usr/bin/dbbackup -d "$BATS_TEST_TMPDIR/cat" full
	assert_success
	run --separate-stderr /usr/bin/dbrestore -d "$BATS_TEST_TMPDIR/cat" --verify latest
	assert_success
	run --separate-stderr /usr/bin/dbrestore -d "$BATS_TEST_TMPDIR/cat" --sql latest
	assert_success
	assert_output --partial 'INSERT INTO `t`'
}

@test "make install puts everything under DESTDIR and PREFIX" {
	# In a copy of the tree, with the package's programs as if built
	# there (make -o: not made again), so that only installing is tested.
	local src=$BATS_TEST_TMPDIR/src p
	local -a built=()
	"$TOP/scripts/copy-tree" "$src"
	for p in "${PROGRAMS[@]}"; do
		cp "/usr/bin/$p" "$src/$p/$p"
		built+=(-o "$p/$p")
	done
	run make -C "$src" "${built[@]}" install DESTDIR="$BATS_TEST_TMPDIR/stage" PREFIX=/opt/dbkit
	assert_success
	run find "$BATS_TEST_TMPDIR/stage" -mindepth 1 -maxdepth 2
	assert_output "$BATS_TEST_TMPDIR/stage/opt
$BATS_TEST_TMPDIR/stage/opt/dbkit"
	cd "$BATS_TEST_TMPDIR/stage/opt/dbkit"
	for p in "${PROGRAMS[@]}"; do
		[[ -x bin/$p ]] || fail "no bin/$p"
		assert_equal "$(readlink "share/bash-completion/completions/$p")" dbkit
	done
	assert_file_exists share/man/man1/dbbackup.1
	assert_file_exists share/man/man7/dbkit.7
	assert_file_exists share/bash-completion/completions/dbkit
	assert_file_exists share/zsh/site-functions/_dbkit
	assert_file_exists share/doc/dbkit/examples/dbkit.env
	assert_equal "$(ls lib/systemd/system | wc -l)" 8
	grep -qx 'ExecStart=/opt/dbkit/bin/dbbackup full $DBKIT_BACKUP_OPTIONS' \
		lib/systemd/system/dbkit-backup@.service
}

@test "purging the package removes every file it installed" {
	mapfile -t files < <(dpkg -L dbkit)
	run apt-get purge -y -q dbkit
	assert_success
	run dpkg-query -W -f='${Status}' dbkit
	refute_output --partial installed
	for f in "${files[@]}"; do
		[[ -d $f ]] && continue
		[[ ! -e $f && ! -L $f ]] || fail "$f is still there"
	done
	[[ ! -e /etc/dbkit ]] || fail "/etc/dbkit is still there"
}

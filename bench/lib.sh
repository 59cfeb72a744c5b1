# SPDX-License-Identifier: ISC
# shellcheck shell=bash
#
# bench/lib.sh: what the benchmarks share, sourced after they define
# sql (the sandbox's mariadb client, arguments passed on).

# bytes PATH...: the sum of the sizes of the regular files under the paths.
bytes() {
	find "$@" -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
}

# flush_dirty: make InnoDB write its dirty pages now (fewer than 200 left),
# then put its flushing settings back, so that one run's writes are not
# flushed on the next run's time.
flush_dirty() {
	local pct io iomax dirty deadline=$((SECONDS + 300))
	read -r pct io iomax < <(sql -e 'SELECT @@innodb_max_dirty_pages_pct, @@innodb_io_capacity, @@innodb_io_capacity_max')
	sql -e 'SET GLOBAL innodb_io_capacity_max = 100000; SET GLOBAL innodb_io_capacity = 50000;
		SET GLOBAL innodb_max_dirty_pages_pct = 0'
	while dirty=$(sql -e "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'" | cut -f2) && ((dirty >= 200)); do
		if ((SECONDS >= deadline)); then
			echo "${0##*/}: warning: still $dirty dirty pages after 300 s" >&2
			break
		fi
		sleep 0.2
	done
	sql -e "SET GLOBAL innodb_max_dirty_pages_pct = $pct; SET GLOBAL innodb_io_capacity = $io;
		SET GLOBAL innodb_io_capacity_max = $iomax"
}

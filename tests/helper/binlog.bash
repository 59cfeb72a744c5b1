# SPDX-License-Identifier: ISC
#
# tests/helper/binlog.bash: writes and purges for the suites that read a
# server's binary log (lib_binlog.bats, dbbackup_incremental.bats).  Load
# it after helper/common.

# binlog_writes SERVER DB N: N rows into DB.t (id, v VARCHAR(40), b BLOB,
# d DECIMAL) in each of the three logging formats, then updates and
# deletes, so every kind of row and query event is in the log.  Needs the
# sequence engine's tables in a database named seq.
binlog_writes() {
	local fmt
	for fmt in ROW STATEMENT MIXED; do
		sql "$1" "SET SESSION binlog_format = $fmt;
			INSERT INTO $2.t (v, b, d) SELECT CONCAT('zé ', seq, ' $fmt'),
				REPEAT(UNHEX('00FF'), seq), seq / 7 FROM seq.seq_1_to_$3;
			UPDATE $2.t SET d = d + 1 WHERE id % 3 = 0;
			DELETE FROM $2.t WHERE id % 11 = 0"
	done
}

# binlog_purge_to SERVER FILE: purges SERVER's binary logs before FILE; a
# dump thread still ending or a binlog checkpoint not yet written holds a
# file a moment, so it tries for up to 10 s.
binlog_purge_to() {
	for _ in {1..100}; do
		sql "$1" "PURGE BINARY LOGS TO '$2'"
		[ "$(sql "$1" 'SHOW BINARY LOGS' | head -1 | cut -f1)" = "$2" ] && return
		sleep 0.1
	done
	fail "PURGE BINARY LOGS TO '$2' left: $(sql "$1" 'SHOW BINARY LOGS')"
}

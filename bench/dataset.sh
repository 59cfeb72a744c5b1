#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# bench/dataset.sh [--scale S] [--out DIR]: (re)build the reference benchmark
# dataset, the database `bench`, in the running server, and record
# its row counts and CHECKSUM TABLE values in DIR/dataset.tsv (table, rows,
# checksum; DIR defaults to bench/results/dataset-<time>/) and its sizes in
# DIR/dataset.txt.
# bench/dataset.sh --state: print the same three columns for the current
# `bench` tables (how bench/backup.sh verifies a restore).
#
# The server is the one $DB_SOCKET points at, or else the sandbox
# (scripts/sandbox, which must be running); the client connects as root with
# --no-defaults. The script drops `bench` first, so it can be rerun. Tables:
#
#   sbtest1..4  sysbench oltp_read_write prepare, --tables=4
#               --table-size=250000*S --rand-seed=1 (id PK, k indexed, c
#               CHAR(120), pad CHAR(60)). sysbench 1.0.20's prepare is not
#               deterministic despite --rand-seed (akopytov/sysbench#524):
#               same size and shape on every build, not the same bytes.
#   mixed       200000*S rows of mixed types built by one INSERT ... WITH
#               RECURSIVE seq ... SELECT from the row number alone (no
#               RAND(), no NOW(), time zone +00:00), so it is the same on
#               every build: a VARCHAR with ' " \ TAB CR LF and 2-, 3- and
#               4-byte UTF-8, TEXT, DECIMAL(14,4), DOUBLE, BIGINT including
#               both extremes, TINYINT, an ENUM with a quote, DATETIME(6)
#               (indexed), DATE, TIME (negative too), TIMESTAMP, a BLOB that
#               starts with the bytes 00 27 5C 0A 0D 1A 22 FF followed by
#               64-384 bytes of SHA-512 output (SHA2(n, 512), hex, repeated),
#               JSON with escaped quotes and backslashes, and FLOAT. Every
#               7th/11th/13th/17th/19th/23rd/29th/31st row has a NULL in one
#               of the columns.
#               FLOAT values have at most 6 significant digits: the server
#               prints a FLOAT with 6 (FLT_DIG), so anything longer would not
#               survive any logical dump and reload bit for bit.
#
# At --scale 1 that is 1,200,000 rows: 334 MiB of InnoDB data, 338 MB as
# mydumper SQL, 130 MB gzip'd (the reference: 336 MiB, 336.5 MB, 124 MB).

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tables=(sbtest1 sbtest2 sbtest3 sbtest4 mixed)

die() {
	printf 'dataset.sh: %s\n' "$*" >&2
	exit 1
}
usage() {
	echo "usage: bench/dataset.sh [--scale S] [--out DIR] | --state"
}

scale=1 out='' mode=build
while (($#)); do
	case $1 in
	--scale) scale=${2:?--scale needs a number}; shift ;;
	--scale=*) scale=${1#--scale=} ;;
	--out) out=${2:?--out needs a directory}; shift ;;
	--out=*) out=${1#--out=} ;;
	--state) mode=state ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
if ! [[ $scale =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] || ! awk -v s="$scale" 'BEGIN { exit !(s > 0) }'; then
	echo "dataset.sh: bad scale: $scale" >&2
	exit 2
fi

if [[ -z ${DB_SOCKET-} ]]; then
	"$top/scripts/sandbox" status >/dev/null || die "no server: set DB_SOCKET or run scripts/sandbox start"
	eval "$("$top/scripts/sandbox" env)"
fi
sql() {
	mariadb --no-defaults -uroot --socket="$DB_SOCKET" --default-character-set=utf8mb4 -N -B "$@"
}

# state: table, COUNT(*), CHECKSUM TABLE, one line per table, tab-separated.
state() {
	local counts sums t
	counts=$(for t in "${tables[@]}"; do printf 'SELECT %s, COUNT(*) FROM bench.%s;\n' "'$t'" "$t"; done | sql)
	sums=$(sql -e "CHECKSUM TABLE $(printf 'bench.%s, ' "${tables[@]}" | sed 's/, $//')")
	awk -F '\t' -v sums="$sums" '
		BEGIN { n = split(sums, l, "\n"); for (i = 1; i <= n; i++) { split(l[i], f, "\t"); sub(/^bench\./, "", f[1]); sum[f[1]] = f[2] } }
		{ print $1 "\t" $2 "\t" ($1 in sum ? sum[$1] : "NULL") }' <<<"$counts"
}

if [[ $mode == state ]]; then
	state
	exit 0
fi

command -v sysbench >/dev/null || die "sysbench not found (scripts/deps --bench)"
[[ -n $out ]] || out=$top/bench/results/dataset-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
sb_rows=$(awk -v s="$scale" 'BEGIN { n = int(250000 * s + 0.5); print n < 1 ? 1 : n }')
mixed_rows=$(awk -v s="$scale" 'BEGIN { n = int(200000 * s + 0.5); print n < 1 ? 1 : n }')

sql -e 'DROP DATABASE IF EXISTS bench; CREATE DATABASE bench'

echo "dataset: sysbench prepare, 4 x $sb_rows rows" >&2
t0=$(date +%s.%N)
sysbench oltp_read_write --db-driver=mysql --mysql-socket="$DB_SOCKET" --mysql-user=root \
	--mysql-db=bench --tables=4 --table-size="$sb_rows" --rand-seed=1 prepare >"$out/sysbench-prepare.log" 2>&1 ||
	{ tail -n 20 "$out/sysbench-prepare.log" >&2; die "sysbench prepare failed"; }
t1=$(date +%s.%N)

echo "dataset: mixed, $mixed_rows rows" >&2
sql bench <<SQL
SET SESSION time_zone = '+00:00', SESSION max_recursive_iterations = 4294967295;
CREATE TABLE mixed (
  id INT UNSIGNED NOT NULL,
  name VARCHAR(200) NOT NULL,
  note TEXT NULL,
  amount DECIMAL(14,4) NULL,
  ratio DOUBLE NULL,
  big BIGINT NOT NULL,
  tiny TINYINT NOT NULL,
  kind ENUM('new', 'used', 'it''s', 'say "hi"') NULL,
  created DATETIME(6) NOT NULL,
  day DATE NOT NULL,
  tod TIME NOT NULL,
  ts TIMESTAMP NULL DEFAULT NULL,
  payload BLOB NULL,
  doc JSON NULL,
  fl FLOAT NULL,
  PRIMARY KEY (id),
  KEY created (created)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO mixed
WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < $mixed_rows)
SELECT n,
  CONCAT('row ', n, ': it''s "q" \\\\ \\t|\\r\\n', _utf8mb4 X'C3A9E282ACF09F9880', ' ',
    REPEAT(ELT(1 + n % 4, 'abc ', _utf8mb4 X'C3BCC3B620', _utf8mb4 X'E4B8ADE69687', _utf8mb4 X'F09F8DA3'), n % 13)),
  IF(n % 7 = 0, NULL, REPEAT(CONCAT('note ', n, ', lorem ipsum; '), 1 + n % 5)),
  IF(n % 11 = 0, NULL, n * 2654435761 % 99999999999999 / 10000 * IF(n % 3 = 0, -1, 1)),
  IF(n % 29 = 0, NULL, n / 7e0 * IF(n % 2, 1, -1) * POW(10, n % 31 - 15)),
  CASE n % 1000 WHEN 1 THEN -9223372036854775808 WHEN 2 THEN 9223372036854775807 WHEN 3 THEN 0
    ELSE CAST(n * 6364136223846793005.0 % 9223372036854775783 AS SIGNED) * IF(n % 2, -1, 1) END,
  n % 256 - 128,
  IF(n % 13 = 0, NULL, ELT(1 + n % 4, 'new', 'used', 'it''s', 'say "hi"')),
  TIMESTAMP'2000-01-01 00:00:00' + INTERVAL n * 4513 SECOND + INTERVAL n * 7919 % 1000000 MICROSECOND,
  DATE'1000-01-01' + INTERVAL n * 37 % 3000000 DAY,
  SEC_TO_TIME(n * 7919 % 6040799 - 3020399),
  IF(n % 17 = 0, NULL, FROM_UNIXTIME(1 + n * 10691 % 2147000000)),
  IF(n % 19 = 0, NULL, CONCAT(X'00275C0A0D1A22FF',
    LEFT(REPEAT(SHA2(n, 512), 3), 64 + n * 61 % 321))),
  IF(n % 23 = 0, NULL, JSON_OBJECT('id', n, 'label', CONCAT('it''s "', n, '"'), 'path', CONCAT('C:\\\\tmp\\\\', n),
    'tags', JSON_ARRAY('x', n % 5, n % 3 = 0), 'inner', JSON_OBJECT('v', n * 3, 'note', IF(n % 2, NULL, 'even')))),
  IF(n % 31 = 0, NULL, n % 999999 / 1000 * IF(n % 5 = 0, -1, 1))
FROM seq;
SQL
t2=$(date +%s.%N)

echo "dataset: ANALYZE TABLE, COUNT(*), CHECKSUM TABLE" >&2
sql -e "ANALYZE TABLE $(printf 'bench.%s, ' "${tables[@]}" | sed 's/, $//')" >/dev/null
state >"$out/dataset.tsv"
{
	echo "dataset: scale $scale, sbtest1..4 $sb_rows rows each, mixed $mixed_rows rows, built $(date -u +%FT%TZ)"
	echo "server:  $(sql -e 'SELECT VERSION()')"
	awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "time:    sysbench prepare %.1f s, mixed %.1f s\n", b - a, c - b }'
	echo
	sql -e "SELECT table_name, data_length, index_length FROM information_schema.tables
		WHERE table_schema = 'bench'" |
		awk -F '\t' -v f="$out/dataset.tsv" '
			{ data[$1] = $2; index_[$1] = $3 }
			END {
				printf "%-8s %9s %9s %9s %12s\n", "table", "rows", "data_MiB", "index_MiB", "checksum"
				while ((getline l < f) > 0) {
					split(l, c, "\t")
					printf "%-8s %9d %9.1f %9.1f %12s\n", c[1], c[2], data[c[1]] / 1048576, index_[c[1]] / 1048576, c[3]
					r += c[2]; d += data[c[1]]; x += index_[c[1]]
				}
				printf "%-8s %9d %9.1f %9.1f\n", "total", r, d / 1048576, x / 1048576
			}'
} | tee "$out/dataset.txt"

#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# bench/completion.sh [--backups N] [--rounds R] [--reps K]: how long a
# Tab takes in bash with completions/dbkit.bash (issue 16), side by side
# with bash-completion's own completion of the MariaDB client (Debian's
# /usr/share/bash-completion/completions/mysql), on the same machine in
# the same run.  A Tab that takes more than about 100 ms is felt.
#
#   flags    `dbbackup --` (every flag: a static list) against `mysql --`
#            (bash-completion runs `mysql --help` and parses it)
#   objects  `dbrestore -d CAT ` with N backups in CAT (dbbackup list
#            --json reads every manifest) against `mysql -D ` (runs
#            mysqlshow, which asks the server, holding N databases)
#   checks   `dbhealth -w ` (a static list; no peer)
#
# Each case runs in one bash with bash-completion loaded, as an
# interactive shell has it: the completion function is called K times
# (default 20) with COMP_WORDS set as readline would, and each call timed
# with EPOCHREALTIME; a round is the median of its K calls.  Rounds
# (default 5) rotate the order of the cases; the figures are the medians
# of the rounds, the ratios the medians of the per-round ratios (min-max).
# Every call's result is checked untimed: the flags offered include
# --compress (ours) and --database (the peer's), the ids are the N
# backups and latest, the databases the N made.
#
# The server comes from tests/helper/server.bash, as in bench/replica.sh;
# the catalogue holds N (default 365: a year of nightly backups) real
# backups of a one-table database, taken under faketime a day apart
# (untimed, about 0.1 s each).  The mysql client finds the server in a
# ~/.my.cnf (as root, by its unix_socket account).  Results go to
# bench/results/completion-<time>/ (summary.txt, rounds.tsv).

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
backups=365 rounds=5 reps=20
die() {
	echo "completion.sh: $*" >&2
	exit 1
}
while (($#)); do
	case $1 in
	--backups) backups=${2:?}; shift 2 ;;
	--rounds) rounds=${2:?}; shift 2 ;;
	--reps) reps=${2:?}; shift 2 ;;
	*) echo "usage: bench/completion.sh [--backups N] [--rounds R] [--reps K]" >&2; exit 2 ;;
	esac
done
[[ $backups =~ ^[1-9][0-9]*$ && $rounds =~ ^[1-9][0-9]*$ && $reps =~ ^[1-9][0-9]*$ ]] ||
	die "N, R and K are positive integers"
for f in /usr/share/bash-completion/bash_completion /usr/share/bash-completion/completions/mysql; do
	[[ -f $f ]] || die "$f not found (scripts/deps installs bash-completion)"
done
for tool in faketime mysql mysqlshow; do
	command -v "$tool" >/dev/null || die "$tool not found (scripts/deps)"
done
[[ -x $top/dbbackup/dbbackup && -x $top/dbrestore/dbrestore ]] || die "build first (make all)"

out=$top/bench/results/completion-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
priv=$(mktemp -d /tmp/dbk-completion-bench.XXXXXX)
export BATS_FILE_TMPDIR=$priv/file BATS_RUN_TMPDIR=$priv/run BATS_TEST_TMPDIR=$priv/test
mkdir -p "$BATS_FILE_TMPDIR" "$BATS_RUN_TMPDIR" "$BATS_TEST_TMPDIR"
# shellcheck source=tests/helper/server.bash
. "$top/tests/helper/server.bash"
cleanup() {
	server_stop_all || true
	rm -rf "$priv"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export PATH=$top/dbhealth:$top/dbbackup:$top/dbrestore:$top/dbprune:$top/dbpool-bench:$PATH
server_start main || die "the server did not start"
use_server main
cat=$priv/catalogue
{
	echo 'CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY); INSERT INTO shop.t VALUES (1);'
	for ((i = 0; i < backups; i++)); do
		echo "CREATE DATABASE db_$i;"
	done
} | sql main
echo "completion.sh: $backups backups into the catalogue (untimed)" >&2
for ((i = 0; i < backups; i++)); do
	TZ=UTC faketime -f "@$(date -u -d "2025-01-01 02:00:00 $i days" '+%Y-%m-%d %H:%M:%S')" \
		dbbackup -d "$cat" full shop >/dev/null 2>>"$priv/backups.log" ||
		die "backup $i failed: $(tail -n 3 "$priv/backups.log")"
done
ids=$(dbbackup -d "$cat" --json list | jq -r '.backups[].id' | sort | tr '\n' ' ')
(($(wc -w <<<"$ids") == backups)) || die "the catalogue does not hold $backups backups"
# The client's server, as a user's ~/.my.cnf gives it (HOME is private).
printf '[client]\nsocket=%s\nuser=root\n' "$DB_SOCKET" >"$HOME/.my.cnf"

# measure CASE: K timed calls of one completion in a fresh bash set up as
# an interactive one, the median in microseconds on stdout; the result
# checked first.
measure() {
	# In an empty directory: dbrestore's BACKUP completes files too.
	mkdir -p "$priv/empty"
	cd "$priv/empty" || return 1
	CASE=$1 CAT=$cat REPS=$reps TOP=$top IDS=$ids N=$backups bash --norc --noprofile -c '
		set -u
		. /usr/share/bash-completion/bash_completion
		. /usr/share/bash-completion/completions/mysql
		. "$TOP/completions/dbkit.bash"
		case $CASE in
		ours-flags) line="dbbackup --" fn=_dbkit ;;
		peer-flags) line="mysql --" fn=_mysql ;;
		ours-objects) line="dbrestore -d $CAT " fn=_dbkit ;;
		peer-objects) line="mysql -D " fn=_mysql ;;
		ours-checks) line="dbhealth -w " fn=_dbkit ;;
		esac
		read -ra COMP_WORDS <<<"$line"
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMP_LINE=$line COMP_POINT=${#line}
		call() {
			COMPREPLY=()
			$fn "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		}
		call
		got=" ${COMPREPLY[*]} "
		case $CASE in
		ours-flags) [[ $got == *" --compress "* ]] ;;
		peer-flags) [[ $got == *" --database "* || $got == *" --database="* ]] ;;
		ours-objects)
			want=" $(printf "%s\n" $IDS latest | sort | tr "\n" " ")"
			[[ " $(printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " ")" == "$want" ]] ;;
		peer-objects) [[ $got == *" db_0 "* && $(grep -o " db_" <<<"$got" | wc -l) == "$N" ]] ;;
		ours-checks) [[ $got == *" backup_age= "* ]] ;;
		esac || { echo "$CASE: unexpected completion: ${got:0:300}" >&2; exit 1; }
		for ((r = 0; r < REPS; r++)); do
			t0=$EPOCHREALTIME
			call
			t1=$EPOCHREALTIME
			echo $(( (${t1/./} - ${t0/./}) ))
		done | sort -n | awk "{ a[NR] = \$1 } END { print a[int((NR + 1) / 2)] }"
	'
}

cases=(ours-flags peer-flags ours-objects peer-objects ours-checks)
printf 'round\tcase\tmedian_us\n' >"$out/rounds.tsv"
for ((round = 1; round <= rounds; round++)); do
	for ((k = 0; k < ${#cases[@]}; k++)); do
		c=${cases[(k + round - 1) % ${#cases[@]}]}
		us=$(measure "$c") || die "$c failed"
		printf '%s\t%s\t%s\n' "$round" "$c" "$us" >>"$out/rounds.tsv"
		echo "round $round: $c $us us" >&2
	done
done

# The summary: medians of the rounds, and of the per-round ratios.
awk -F'\t' -v n="$backups" -v machine="$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)" '
	NR > 1 { t[$1, $2] = $3; rounds[$1] = 1; cases[$2] = 1 }
	function median(v, k,   i, j, x) {
		for (i = 2; i <= k; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
		return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
	}
	function row(name, c,   r, k, v) {
		k = 0; for (r in rounds) v[++k] = t[r, c] / 1000
		printf "%-44s %8.1f ms\n", name, median(v, k)
	}
	function ratio(name, a, b,   r, k, v, lo, hi) {
		k = 0; lo = 1e9; hi = 0
		for (r in rounds) { x = t[r, a] / t[r, b]; v[++k] = x; if (x < lo) lo = x; if (x > hi) hi = x }
		printf "%-44s %8.2f (%.2f-%.2f)\n", name, median(v, k), lo, hi
	}
	END {
		printf "bench/completion.sh: %d backups, %d databases; %s\n\n", n, n, machine
		print "one Tab, median of the rounds:"
		row("dbbackup --<Tab> (dbkit.bash)", "ours-flags")
		row("mysql --<Tab> (bash-completion)", "peer-flags")
		row("dbrestore -d CAT <Tab> (" n " backups)", "ours-objects")
		row("mysql -D <Tab> (" n " databases)", "peer-objects")
		row("dbhealth -w <Tab>", "ours-checks")
		print "\nratios, dbkit / peer (median of rounds, min-max):"
		ratio("flags", "ours-flags", "peer-flags")
		ratio("backups / databases", "ours-objects", "peer-objects")
	}' "$out/rounds.tsv" | tee "$out/summary.txt"
echo "completion.sh: results in ${out#"$top"/}/" >&2

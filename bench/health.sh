#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# bench/health.sh [--runs N]: the wall time of one `dbhealth` run (all
# checks) against the one-shot peers mariadb-admin status and
# mariadb-admin extended-status, measured side by side in the same run.
# Goal: dbhealth's median is at most 1.2x that of extended-status (socket).
#
# Method (as the reference figures of the peers were taken): hyperfine -N --warmup 5 --runs N
# (N = --runs or $BENCH_RUNS, default 40), 3 invocations with the command
# order rotated between them; the median, p10 and p90 are taken over all
# 3N runs of each command. Every command talks to the sandbox server
# (scripts/sandbox, started here if it is not running and then stopped at
# the end) as root with --no-defaults, over the Unix socket and, for
# dbhealth and extended-status, over TCP 127.0.0.1 too. dbhealth runs with
# -w uptime=none because a fresh server would make it exit 1 (warning);
# any command that exits non-zero fails the benchmark. Peak RSS is taken
# from one run of each under /usr/bin/time when it is there. The machine
# is noisy: compare the ratios of one run, not absolute times across runs.
# Results (hyperfine JSON, summary.txt) go to bench/results/health-<time>/.

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${BENCH_RUNS:-40}
case ${1-} in
--runs) runs=${2:?--runs needs a number} ;;
--runs=*) runs=${1#--runs=} ;;
'') ;;
*) echo "usage: bench/health.sh [--runs N]   (or BENCH_RUNS=N)" >&2; exit 2 ;;
esac
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "health.sh: bad run count: $runs" >&2; exit 2; }
for tool in hyperfine jq mariadb-admin; do
	command -v "$tool" >/dev/null || { echo "health.sh: $tool not found (scripts/deps --bench)" >&2; exit 1; }
done

dbhealth=$top/dbhealth/dbhealth
[[ -x $dbhealth ]] || make -C "$top" all
started=
if ! "$top/scripts/sandbox" status >/dev/null; then
	"$top/scripts/sandbox" start
	started=1
fi
trap '[[ -z $started ]] || "$top/scripts/sandbox" stop' EXIT
eval "$("$top/scripts/sandbox" env)"

out=$top/bench/results/health-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"

sock=$(printf '%q' "$DB_SOCKET")
tcp="-h 127.0.0.1 -P $DB_PORT"
dbh="$dbhealth --no-defaults -u root -w uptime=none"
adm="mariadb-admin --no-defaults -uroot"
names=(dbhealth dbhealth-json admin-status admin-extended-status dbhealth-tcp admin-extended-status-tcp)
cmds=(
	"$dbh -S $sock"
	"$dbh -S $sock --json"
	"$adm -S $sock status"
	"$adm -S $sock extended-status"
	"$dbh $tcp"
	"$adm $tcp --protocol=TCP extended-status"
)
n=${#cmds[@]}
for ((i = 0; i < n; i++)); do printf '%s\t%s\n' "${names[i]}" "${cmds[i]}"; done >"$out/commands.tsv"

# One untimed run of each: it fails loudly, with the command's own
# messages, on a broken command, and gives its peak RSS (KiB).
timer=
[[ -x /usr/bin/time ]] && timer="/usr/bin/time -o $(printf %q "$out/rss.tmp") -f %M"
for ((i = 0; i < n; i++)); do
	echo - >"$out/rss.tmp"
	if ! eval "$timer ${cmds[i]}" >/dev/null 2>"$out/stderr.tmp"; then
		cat "$out/stderr.tmp" >&2
		echo "health.sh: command failed: ${cmds[i]}" >&2
		exit 1
	fi
	printf '%s\t%s\n' "${names[i]}" "$(tail -n 1 "$out/rss.tmp")" >>"$out/rss.tsv"
done
rm -f "$out/rss.tmp" "$out/stderr.tmp"

# 3 hyperfine invocations, the first command rotating by 2 each time.
for r in 0 1 2; do
	args=()
	for ((k = 0; k < n; k++)); do
		i=$(((k + 2 * r) % n))
		args+=(-n "${names[i]}" "${cmds[i]}")
	done
	echo "== hyperfine $((r + 1))/3 (runs $runs, first: ${args[1]})"
	log=$out/hyperfine-$((r + 1)).log
	if ! hyperfine -N --warmup 5 --runs "$runs" --style basic \
		--export-json "$out/hyperfine-$((r + 1)).json" "${args[@]}" >"$log" 2>&1; then
		tail -n 5 "$log" >&2
		echo "health.sh: hyperfine failed (see ${log#"$top"/})" >&2
		exit 1
	fi
done

# Median, p10, p90 over the 3 invocations (linear interpolation), in ms,
# one line per command in the order of names.
jq -rs --arg order "${names[*]}" 'def q(p): sort as $s | (($s | length - 1) * p) as $x | ($x | floor) as $i
		| $s[$i] + ($s[[$i + 1, ($s | length - 1)] | min] - $s[$i]) * ($x - $i);
	($order | split(" ")) as $o | [.[].results[]] | group_by(.command)
	| sort_by(.[0].command as $c | $o | index($c))[] | [.[].times[]] as $t
	| [.[0].command] + ([0.5, 0.1, 0.9] | map(. as $p | $t | q($p) * 1000)) | @tsv' \
	"$out"/hyperfine-?.json >"$out/stats.tsv"

{
	echo "dbhealth: $("$dbhealth" --version 2>&1 | head -n 1), commit $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')"
	echo "server:   $(mariadb-admin --no-defaults -uroot -S "$DB_SOCKET" version | awk '/^Server version/ { print $3 }'), $(nproc) CPUs, $(date -u +%FT%TZ)"
	echo "runs:     3 x $runs per command (hyperfine -N --warmup 5), order rotated"
	echo
	awk -F '\t' -v rssfile="$out/rss.tsv" '
		BEGIN { while ((getline l < rssfile) > 0) { split(l, f, "\t"); rss[f[1]] = f[2] } }
		{ name[NR] = $1; med[NR] = $2; p10[NR] = $3; p90[NR] = $4; if ($1 == "admin-extended-status") base = $2 }
		END {
			printf "%-26s %9s %7s %7s %8s %8s\n", "command", "median_ms", "p10", "p90", "x_ext", "rss_MiB"
			for (i = 1; i <= NR; i++)
				printf "%-26s %9.1f %7.1f %7.1f %8.2f %8s\n", name[i], med[i], p10[i], p90[i], med[i] / base,
					rss[name[i]] ~ /^[0-9]+$/ ? sprintf("%.1f", rss[name[i]] / 1024) : "-"
			for (i = 1; i <= NR; i++) if (name[i] == "dbhealth") r = med[i] / base
			printf "\ndbhealth/extended-status median ratio: %.2f (goal <= 1.20)\n", r
		}' "$out/stats.tsv"
} | tee "$out/summary.txt"
echo
echo "health.sh: results in ${out#"$top"/}/ (summary.txt, commands.tsv, hyperfine-*.json)"

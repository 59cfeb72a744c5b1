#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# The documentation users read keeps up with the code: every long option in
# a program's --help is in its man page, every DB_* variable the code reads
# is in dbkit(7) and in the man page of the program that reads it, and
# every page passes mandoc -Tlint.

load helper/common

MAN=$BATS_TEST_DIRNAME/../man
SRC=$BATS_TEST_DIRNAME/..

# check_table: the rows of CHECK_TABLE in dbhealth/health.h, one a line, as
# dbhealth(1) writes them: NAME UNIT BAD WARNING CRITICAL, with "-" for the
# unit of a text value and "none" for no direction or level.  A row this
# cannot read is a failure, not a check left out.
check_table() {
	sed -n '/^#define CHECK_TABLE(X)/,/[^\\]$/p' "$SRC/dbhealth/health.h" |
		sed 1d | tr -d '\\\n\t' | tr -s ' ' | grep -o 'X([^)]*)' |
		awk -F', *' '{
			sub(/^X\(/, ""); sub(/\)$/, "")
			if (NF != 7 || $1 !~ /^[A-Z_]+$/ || $2 !~ /^"[a-z_]+"$/ ||
			    $3 !~ /^"(ms|s|%|count|)"$/ || $4 !~ /^BAD_(NONE|ABOVE|BELOW)$/ ||
			    $5 !~ /^(NONE|[0-9.]+)$/ || $6 !~ /^(NONE|[0-9.]+)$/) {
				print "unreadable row: " $0; exit 1
			}
			gsub(/"/, "", $2); gsub(/"/, "", $3); sub(/^BAD_/, "", $4)
			print $2, ($3 == "" ? "-" : $3), tolower($4), \
			    ($5 == "NONE" ? "none" : $5), ($6 == "NONE" ? "none" : $6)
		}'
}

# help_checks: the check names dbhealth --help lists after "Checks:".
help_checks() {
	dbhealth --help | sed -n '/^Checks:/,$p' | sed 's/^Checks://; s/\.  See .*//' |
		tr -s ' \n' '\n' | sed '/^$/d'
}

@test "the man pages pass mandoc -Tlint" {
	run mandoc -Tlint -Wwarning "$MAN"/*.[1-8]
	assert_success
	assert_output ''
}

@test "every option in dbhealth --help is in dbhealth(1)" {
	run --separate-stderr dbhealth --help
	assert_success
	for opt in $(grep -o -- '--[a-z][a-z0-9-]*' <<<"$output" | sort -u); do
		grep -q -- "^\.It Fl -${opt#--}\b\|Fl -${opt#--}\b" "$MAN/dbhealth.1" ||
			fail "$opt is not in dbhealth(1)"
	done
}

@test "every long option dbhealth accepts is in its --help" {
	run --separate-stderr dbhealth --help
	for opt in $(grep -h '_argument' "$SRC/dbhealth/dbhealth.c" "$SRC/lib/settings.h" |
		sed -n 's/.*{ "\([a-z][a-z0-9-]*\)",.*/\1/p' | sort -u); do
		[[ $output == *"--$opt"* ]] || fail "--$opt is not in dbhealth --help"
	done
}

@test "every DB_ variable the code reads is documented" {
	for var in $(grep -oh '"DB_[A-Z_]*' "$SRC"/lib/*.c "$SRC"/dbhealth/*.c | tr -d '"' | sort -u); do
		[[ $var == DB_MONITOR_ ]] && continue
		grep -q "$var" "$MAN/dbkit.7" || fail "$var is not in dbkit(7)"
		grep -q "$var" "$MAN/dbhealth.1" || fail "$var is not in dbhealth(1)"
	done
	# The per-check levels, built from the check names in dbhealth/health.h.
	for kind in WARN CRIT; do
		grep -q "DB_MONITOR_${kind}_" "$MAN/dbkit.7" || fail "DB_MONITOR_${kind}_ is not in dbkit(7)"
		grep -q "DB_MONITOR_${kind}_" "$MAN/dbhealth.1" || fail "DB_MONITOR_${kind}_ is not in dbhealth(1)"
	done
}

@test "the check table reads, and --help lists its checks in its order" {
	run check_table
	assert_success
	(( ${#lines[@]} > 0 ))
	table=$(cut -d' ' -f1 <<<"$output")
	run --separate-stderr help_checks
	assert_success
	[ "$output" = "$table" ] || fail "dbhealth --help lists $(echo $output), the table $(echo $table)"
}

@test "every check in the catalogue is in --help and dbhealth(1)" {
	run --separate-stderr dbhealth --help
	table=$(check_table) || fail "CHECK_TABLE cannot be read: $table"
	checks=$(cut -d' ' -f1 <<<"$table")
	[ -n "$checks" ]
	# The list of the Checks subsection, ".It Sy a , b , c" lines.
	listed=$(sed -n '/^\.Ss Checks$/,/^\.Ss /p' "$MAN/dbhealth.1" |
		sed -n 's/^\.It Sy //p' | tr -d ',' | tr -s ' ' '\n' | sort)
	for check in $checks; do
		grep -qw -- "$check" <<<"$output" || fail "check $check is not in dbhealth --help"
		grep -qw -- "$check" "$MAN/dbhealth.1" || fail "check $check is not in dbhealth(1)"
	done
	[ "$listed" = "$(sort <<<"$checks")" ] ||
		fail "the Checks list of dbhealth(1) is $(echo $listed), the table's $(sort <<<"$checks" | xargs)"
}

@test "the levels in dbhealth(1) are the table's" {
	table=$(check_table) || fail "CHECK_TABLE cannot be read: $table"
	# Thresholds: ".It CHECK Ta UNIT Ta BAD Ta WARNING Ta CRITICAL" rows.
	rows=$(sed -n '/^\.Ss Thresholds$/,/^\.El$/p' "$MAN/dbhealth.1" |
		sed -n 's/^\.It \([a-z_]*\) Ta /\1 Ta /p' | sed 's/ Ta / /g' | sort)
	want=$(awk '$3 != "none"' <<<"$table" | sort)
	[ -n "$want" ]
	[ "$rows" = "$want" ] || fail "dbhealth(1) thresholds:
$rows
the table:
$want"
	# "The other checks (a, b, ...) ... take no levels."
	others=$(grep -A1 '^The other checks$' "$MAN/dbhealth.1" | sed -n 's/^\.Pq //p' |
		tr -d ',' | tr -s ' ' '\n' | sort)
	want=$(awk '$3 == "none" { print $1 }' <<<"$table" | sort)
	[ -n "$want" ]
	[ "$others" = "$want" ] || fail "dbhealth(1) says $(echo $others) take no levels, the table $(echo $want)"
}

@test "every option in dbbackup, dbrestore, dbprune and dbpool-bench --help is in their man pages" {
	for prog in dbbackup dbrestore dbprune dbpool-bench; do
		run --separate-stderr "$prog" --help
		assert_success
		for opt in $(grep -o -- '--[a-z][a-z0-9-]*' <<<"$output" | sort -u); do
			grep -q -- "Fl -${opt#--}\b" "$MAN/$prog.1" ||
				fail "$opt is not in $prog(1)"
		done
	done
}

@test "every long option dbbackup, dbrestore, dbprune and dbpool-bench accept is in their --help" {
	for prog in dbbackup dbrestore dbprune dbpool-bench; do
		run --separate-stderr "$prog" --help
		files=("$SRC/$prog/$prog.c")
		grep -q SETTINGS_LONGOPTS "${files[0]}" && files+=("$SRC/lib/settings.h")
		for opt in $(grep -h '_argument' "${files[@]}" |
			sed -n 's/.*{ "\([a-z][a-z0-9-]*\)",.*/\1/p' | sort -u); do
			[[ $output == *"--$opt"* ]] || fail "--$opt is not in $prog --help"
		done
	done
}

@test "every manifest field dbbackup writes is in dbkit-backup(5)" {
	for key in $(grep -o '"[a-z_0-9]*", ' "$SRC/dbbackup/result.c" | tr -d '", ' | sort -u); do
		case $key in
		full|schema|data|table|sequence|gzip|none|text|bit|char) continue ;;
		path|rate_bytes_per_s)	# the --json report, not the manifest
			grep -q -- "$key" "$MAN/dbbackup.1" || fail "report key $key is not in dbbackup(1)"
			continue ;;
		esac
		grep -q -- "$key" "$MAN/dbkit-backup.5" || fail "manifest key $key is not in dbkit-backup(5)"
	done
}

@test "every source file and man page carries the same SPDX tag" {
	cd "$SRC"
	# The files the project writes: no build output, fixtures or seeds.
	files() {
		find lib dbhealth dbbackup dbrestore dbprune dbpool-bench tests \
			fuzz man bench scripts completions systemd -type f \( -name '*.[ch]' -o \
			-name '*.bats' -o -name '*.bash' -o -name '*.sh' -o \
			-name '*.zsh' -o -path 'man/*' -o -path 'completions/*' -o -path 'systemd/*' \) ! -path 'tests/fixtures/*' ! -path '*/seeds/*'
	}
	# The first SPDX line of each, counted by licence: one licence.
	run --separate-stderr bash -c "$(declare -f files); files |
		xargs grep -m1 -ho 'SPDX-License-Identifier: [A-Za-z0-9.-]*' |
		sort | uniq -c"
	assert_success
	[ "${#lines[@]}" -eq 1 ] || fail "more than one licence: $output"
	[[ ${lines[0]} == *"SPDX-License-Identifier: ISC" ]]
	# And the code and the pages all have one.
	run bash -c "$(declare -f files); files | grep '\.[ch]$\|^man/\|^completions/\|^systemd/' |
		xargs grep -L SPDX-License-Identifier"
	[ -z "$output" ] || fail "no SPDX tag: $output"
}

@test "debian/control builds with what scripts/deps installs, and debian/changelog has the Makefile's version" {
	# Build-Depends, one package a line, alternatives and versions dropped.
	control=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$SRC/debian/control" | sed '$d' |
		sed 's/^Build-Depends://' | tr ',' '\n' | sed 's/|.*//; s/(.*//; s/^ *//; s/ *$//' |
		grep -v '^$\|^debhelper-compat$' | sort)
	# scripts/deps' build list, but the compiler and make (build-essential).
	deps=$(sed -n '/^build=(/,/)/p' "$SRC/scripts/deps" | tr -d '()' | sed 's/^build=//' |
		tr -s ' \t' '\n' | grep -v '^$\|^gcc$\|^make$' | sed 's/^pkg-config$/pkgconf/' | sort)
	assert_equal "$control" "$deps"
	run dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version
	assert_success
	assert_output "$(sed -n 's/^VERSION = //p' "$SRC/Makefile")"
}

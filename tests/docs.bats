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
	# The per-check levels, built from the check names in threshold.c.
	for kind in WARN CRIT; do
		grep -q "DB_MONITOR_${kind}_" "$MAN/dbkit.7" || fail "DB_MONITOR_${kind}_ is not in dbkit(7)"
		grep -q "DB_MONITOR_${kind}_" "$MAN/dbhealth.1" || fail "DB_MONITOR_${kind}_ is not in dbhealth(1)"
	done
}

@test "every check in the catalogue is in --help and dbhealth(1)" {
	run --separate-stderr dbhealth --help
	checks=$(grep -oE '\{ "[a-z_]+", "(ms|s|%|count|)"' "$SRC/dbhealth/threshold.c" | cut -d'"' -f2)
	[ "$(wc -w <<<"$checks")" -eq 22 ]
	for check in $checks; do
		grep -qw -- "$check" <<<"$output" || fail "check $check is not in dbhealth --help"
		grep -qw -- "$check" "$MAN/dbhealth.1" || fail "check $check is not in dbhealth(1)"
	done
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

#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Shell completion: completions/dbkit.bash under bash-completion and
# completions/_dbkit under zsh's completion system, for partial command
# lines, against the real programs and a real catalogue (three backups of
# a small database, one pinned, and a partial and a damaged entry, which
# are never offered).  bash: a fresh bash sources bash_completion and
# dbkit.bash, gets COMP_WORDS split as readline splits them (at blanks and
# around "="), calls _dbkit and prints COMPREPLY.  zsh: an interactive zsh
# in a pseudo-terminal presses Tab (tests/helper/zsh_complete.zsh).
#
# The flag lists of both files are static, so the drift tests are here:
# what each offers for "prog --" and "prog -" is what the C option tables
# (and getopt's short options) hold and what --help lists; the words of
# each fixed choice are the C source's; the check names are the "Checks:"
# list of dbhealth --help.

load helper/common

SRC=$BATS_TEST_DIRNAME/..
PROGS=(dbhealth dbbackup dbrestore dbprune dbpool-bench)
CASES=() WANTS=''

setup_file() {
	server_start main
	use_server main
	sql main "CREATE DATABASE shop; CREATE TABLE shop.items (id INT PRIMARY KEY);
		INSERT INTO shop.items VALUES (1), (2)"
	export CAT=$BATS_FILE_TMPDIR/cat
	# Three types: three ids, even within one second.
	local type
	for type in full schema data; do
		dbbackup -d "$CAT" "$type" shop >/dev/null
	done
	# The catalogue reads without a server from here on.
	server_stop main
	dbbackup -d "$CAT" pin "$(ids_of '.type == "schema"')" >/dev/null
	mkdir -m 700 "$CAT/20200101T000000Z-full.partial" "$CAT/20200102T000000Z-full"
	echo garbage >"$CAT/20200102T000000Z-full/manifest.json"
	export DBKIT_ZCOMPDUMP=$BATS_FILE_TMPDIR/zcompdump
}

teardown_file() {
	server_stop_all
}

setup() {
	# A working directory with one file and one directory: what file and
	# directory completion offer here is known.
	mkdir "$BATS_TEST_TMPDIR/cwd"
	cd "$BATS_TEST_TMPDIR/cwd" || return
	touch archive.tar
	mkdir stage
	unset DB_BACKUP_PATH
}

# ids_of FILTER: the ids of the backups of $CAT that FILTER selects, sorted.
ids_of() {
	dbbackup -d "$CAT" --json list | jq -r ".backups[] | select($1) | .id" | sort
}

# complete_bash LINE...: what bash offers at the end of each LINE: a
# header "@@ LINE", then the words, one a line.  One bash sources
# bash_completion and dbkit.bash, then for each LINE sets COMP_WORDS as
# readline splits it (at blanks, and around "=", which is in
# COMP_WORDBREAKS) and calls _dbkit.
complete_bash() {
	bash --norc --noprofile -c '
		source /usr/share/bash-completion/bash_completion
		source "$1"
		shift
		for line; do
			COMP_LINE=$line COMP_POINT=${#line} COMP_WORDS=()
			read -ra blank <<<"$line"
			for w in "${blank[@]}"; do
				while [[ $w == *=* ]]; do
					[[ -n ${w%%=*} ]] && COMP_WORDS+=("${w%%=*}")
					COMP_WORDS+=("=") w=${w#*=}
				done
				[[ -n $w ]] && COMP_WORDS+=("$w")
			done
			[[ $line == *[[:blank:]] ]] && COMP_WORDS+=("")
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			_dbkit
			printf "@@ %s\n" "$line"
			printf "%s\n" "${COMPREPLY[@]}"
		done' bash "$SRC/completions/dbkit.bash" "$@"
}

# complete_zsh LINE...: the same from zsh's completion system, each match
# with its description after a tab when it has one.
complete_zsh() {
	timeout 60 "$SRC/tests/helper/zsh_complete.zsh" "$SRC/completions" "$@"
}

# want LINE WORD...: a case for check: at the end of LINE, Tab offers
# exactly the WORDs.  Kept as "N<tab>WORD" lines, N the case's number.
want() {
	local w
	CASES+=("$1")
	shift
	for w in "$@"; do
		WANTS+="${#CASES[@]}	$w"$'\n'
	done
}

# check: runs the cases given with want in bash and in zsh (one shell
# each, since forks are what takes the time), compares what each offers
# with one diff, then forgets the cases.  Nothing may come out on stderr.
check() {
	local shell i l got why
	for shell in bash zsh; do
		run --separate-stderr complete_$shell "${CASES[@]}"
		assert_success
		[ -z "$stderr" ] || fail "$shell printed on stderr: $stderr"
		got='' i=0
		while IFS= read -r l; do
			if [[ $l == "@@ "* ]]; then
				((++i))
			elif [[ -n $l ]]; then
				got+="$i	${l%%$'\t'*}"$'\n'
			fi
		done <<<"$output"
		[ "$i" -eq "${#CASES[@]}" ] || fail "$shell ran $i of ${#CASES[@]} lines: $output"
		run diff <(sort -u <<<"$WANTS") <(sort -u <<<"$got")
		[ "$status" -eq 0 ] && continue
		why=''
		for l in "${lines[@]}"; do
			[[ $l == [\<\>]* ]] || continue
			i=${l:2} i=${i%%$'\t'*}
			why+=$'\n'"'${CASES[i - 1]}': ${l:0:1} ${l#*$'\t'}"
		done
		fail "$shell ('<' expected, not offered; '>' offered, not expected):$why"
	done
	CASES=() WANTS=''
}

# help_longs PROG: the long flags PROG --help lists in its indented lines
# (the option list; the paragraphs at the margin name other programs').
help_longs() {
	"$1" --help | grep '^ ' | grep -o -- '--[a-z][a-z0-9-]*' | sort -u
}

# help_shorts PROG: the short flags of the "-x, --long" lines of --help.
help_shorts() {
	"$1" --help | grep -o '^ *-[A-Za-z],' | tr -d ' ,' | sort -u
}

# table_longs PROG [required]: the long flags of PROG's C option table
# (with lib/settings.h's when it uses SETTINGS_LONGOPTS), or only those
# that take a value.
table_longs() {
	local -a files=("$SRC/$1/$1.c")
	grep -q SETTINGS_LONGOPTS "${files[0]}" && files+=("$SRC/lib/settings.h")
	grep -h "${2-}_argument" "${files[@]}" |
		sed -n 's/.*{ "\([a-z][a-z0-9-]*\)",.*/--\1/p' | sort -u
}

# getopt_string PROG: the short options PROG gives getopt_long.
getopt_string() {
	local s
	s=$(grep -h -A1 'getopt_long(argc, argv,' "$SRC/$1/$1.c" | tr -d '\n\t')
	if [[ $s == *SETTINGS_SHORTOPTS* ]]; then
		sed -n 's/^#define SETTINGS_SHORTOPTS "\(.*\)"$/\1/p' "$SRC/lib/settings.h"
	fi
	sed 's/.*getopt_long(argc, argv, *\(SETTINGS_SHORTOPTS\)\? *"\([^"]*\)".*/\2/' <<<"$s"
}

# table_shorts PROG [required]: getopt's short options of PROG, or only
# those that take a value.
table_shorts() {
	getopt_string "$1" | tr -d '\n' | grep -o "[A-Za-z]${2:+:}" | tr -d : |
		sed 's/^/-/' | sort -u
}

# c_words FILE NAME: the strings of the array NAME[] in FILE.
c_words() {
	sed -n "/ $2\[\] = {/,/};/p" "$SRC/$1" | grep -o '"[a-z0-9]*"' | tr -d '"'
}

# help_checks: the check names dbhealth --help lists after "Checks:".
help_checks() {
	dbhealth --help | sed -n '/^Checks:/,$p' | sed 's/^Checks://; s/\.  See .*//' |
		tr -s ' \n' '\n' | sed '/^$/d'
}

@test "dbbackup: the verbs" {
	verbs=(full schema data incremental list pin unpin export import keygen)
	want 'dbbackup ' "${verbs[@]}"
	want 'dbbackup -d /tmp --json ' "${verbs[@]}"
	want 'dbbackup i' incremental import
	check
}

@test "dbbackup: flags by prefix, --compress's words after =" {
	want 'dbbackup --comp' --compress --compress-level
	want 'dbbackup --compress=z' zstd
	want 'dbbackup --compress=' $(c_words lib/settings.c compression_words)
	# --compress takes no separate word: the next is the verb.
	want 'dbbackup --compress f' full
	# Another program's flags are not offered.
	want 'dbbackup --pool'
	check
}

@test "every program offers the long flags of its option table and --help" {
	for prog in "${PROGS[@]}"; do
		table=$(table_longs "$prog")
		help=$(help_longs "$prog")
		[ -n "$table" ]
		[ "$help" = "$table" ] ||
			fail "$prog --help lists $(comm -3 <(echo "$help") <(echo "$table") | xargs) unlike its table"
		want "$prog --" $table
	done
	check
}

@test "every program offers the short flags getopt takes, and --help lists them" {
	for prog in "${PROGS[@]}"; do
		shorts=$(table_shorts "$prog")
		[ -n "$shorts" ]
		[ "$(help_shorts "$prog")" = "$shorts" ] ||
			fail "$prog --help lists $(help_shorts "$prog" | xargs), getopt takes $(echo $shorts)"
		want "$prog -" $shorts $(table_longs "$prog")
	done
	check
}

@test "bash: the flags that take a value are the table's" {
	for prog in "${PROGS[@]}"; do
		run --separate-stderr bash -c 'source "$1"; _dbkit_flags "$2"' bash \
			"$SRC/completions/dbkit.bash" "$prog"
		assert_success
		marked=$(tr -s ' \n\t' '\n' <<<"$output" | sed -n 's/=$//p' | sort)
		want=$( (table_longs "$prog" required; table_shorts "$prog" required) | sort)
		[ "$marked" = "$want" ] ||
			fail "$prog: dbkit.bash says $(comm -3 <(echo "$marked") <(echo "$want") | xargs) take a value, unlike the table"
	done
}

@test "dbhealth -w and -c: the check names of --help, each with =" {
	checks=$(help_checks)
	[ "$(wc -l <<<"$checks")" -gt 20 ]
	want 'dbhealth -w ' ${checks//$'\n'/= }=
	want 'dbhealth --critical ' ${checks//$'\n'/= }=
	want 'dbhealth -c repl' replication_io= replication_sql= replication_lag=
	want 'dbhealth --warning=galera_s' galera_status= galera_size= galera_state=
	# After the =, the level: a number, or none.
	want 'dbhealth -w replication_lag=' none
	# dbpool-bench's -c is a number of clients.
	want 'dbpool-bench -c '
	check
}

@test "fixed choices: the words of the C source" {
	# The C arrays are found.
	[ "$(c_words dbpool-bench/dbpool-bench.c modes | wc -l)" -eq 4 ]
	want 'dbhealth --format ' $(c_words dbhealth/dbhealth.c formats)
	want 'dbhealth -f ' $(c_words dbhealth/dbhealth.c formats)
	want 'dbhealth --format=p' prometheus
	want 'dbhealth --alert-webhook-format ' $(c_words lib/settings.c webhook_format_words)
	want 'dbpool-bench --pool-reset ' $(c_words lib/settings.c pool_reset_words)
	want 'dbpool-bench -m ' $(c_words dbpool-bench/dbpool-bench.c modes)
	want 'dbpool-bench --workload ' $(c_words dbpool-bench/dbpool-bench.c workloads)
	# Free values complete nothing.
	want 'dbhealth --watch '
	want 'dbrestore --until '
	check
}

@test "files and directories" {
	want 'dbbackup -d ' stage
	want 'dbprune --backup-path=' stage
	want 'dbrestore --tmpdir ' stage
	want 'dbrestore --identity ' archive.tar stage
	want 'dbhealth --ssl-ca ' archive.tar stage
	want 'dbpool-bench -S ' archive.tar stage
	want 'dbbackup import ' archive.tar stage
	check
}

@test "dbrestore: the complete backups' ids, latest and files" {
	ids=$(ids_of '.state == "complete"')
	[ "$(wc -l <<<"$ids")" -eq 3 ]
	want "dbrestore -d $CAT " $ids latest archive.tar stage
	want "dbrestore --backup-path $CAT --sql " $ids latest archive.tar stage
	want "dbrestore --backup-path=$CAT la" latest
	want "dbrestore -d $CAT $(head -c 20 <<<"$ids")" "$(head -n 1 <<<"$ids")"
	# One BACKUP only.
	want "dbrestore -d $CAT latest $(head -c 20 <<<"$ids")"
	check
}

@test "dbbackup pin, unpin and export: the ids each takes" {
	unpinned=$(ids_of '.state == "complete" and (.pinned | not)')
	pinned=$(ids_of '.pinned')
	[ "$(wc -l <<<"$unpinned")" -eq 2 ]
	[ "$(wc -l <<<"$pinned")" -eq 1 ]
	want "dbbackup -d $CAT pin " $unpinned
	want "dbbackup -d $CAT unpin " $pinned
	want "dbbackup --backup-path=$CAT export --chain " $unpinned $pinned
	want "dbbackup -d $CAT list "
	check
}

@test "the catalogue of DB_BACKUP_PATH when the line names none" {
	export DB_BACKUP_PATH=$CAT
	want 'dbbackup pin ' $(ids_of '.state == "complete" and (.pinned | not)')
	want 'dbbackup unpin ' $(ids_of '.pinned')
	want 'dbrestore ' $(ids_of '.state == "complete"') latest archive.tar stage
	check
	# The line's wins.
	export DB_BACKUP_PATH=$BATS_TEST_TMPDIR/none
	want "dbbackup -d $CAT unpin " $(ids_of '.pinned')
	want 'dbbackup unpin '
	check
}

@test "a missing or unreadable catalogue: no ids and nothing on stderr" {
	run --separate-stderr dbbackup -d /etc/passwd --json list
	assert_failure 2
	[ -n "$stderr" ]
	want "dbbackup -d $BATS_TEST_TMPDIR/none pin "
	want 'dbbackup -d /etc/passwd unpin '
	want "dbrestore -d $BATS_TEST_TMPDIR/none " latest archive.tar stage
	want 'dbrestore -d /etc/passwd ' latest archive.tar stage
	check
}

@test "zsh: every flag has the description of its --help" {
	run --separate-stderr complete_zsh "${PROGS[@]/%/ --}" 'dbbackup --comp'
	assert_success
	bare=$(grep -v "^@@\|$(printf '\t')." <<<"$output" || true)
	[ -z "$bare" ] || fail "no description for $(echo $bare)"
	assert_line "$(printf -- '--compress-level\tgzip 1 (fast) to 12 (small), zstd 1 to 19')"
}

@test "bash: the file works sourced alone, without bash-completion" {
	run --separate-stderr bash --norc --noprofile -c '
		source "$1"
		COMP_LINE="dbbackup -d $2 unpin " COMP_POINT=${#COMP_LINE}
		COMP_WORDS=(dbbackup -d "$2" unpin "") COMP_CWORD=4
		_dbkit; printf "%s\n" "${COMPREPLY[@]}"
		COMP_LINE="dbbackup --compress=z" COMP_POINT=${#COMP_LINE}
		COMP_WORDS=(dbbackup --compress = z) COMP_CWORD=3
		_dbkit; printf "%s\n" "${COMPREPLY[@]}"
		COMP_LINE="dbbackup -d st" COMP_POINT=${#COMP_LINE}
		COMP_WORDS=(dbbackup -d st) COMP_CWORD=2
		_dbkit; printf "%s\n" "${COMPREPLY[@]}"' bash "$SRC/completions/dbkit.bash" "$CAT"
	assert_success
	[ -z "$stderr" ]
	[ "$output" = "$(ids_of .pinned)
zstd
stage" ]
}

@test "bash: installed as bash-completion lays it out, one program's link registers all five" {
	dir=$BATS_TEST_TMPDIR/share/completions
	mkdir -p "$dir"
	cp "$SRC/completions/dbkit.bash" "$dir/dbkit"
	ln -s dbkit "$dir/dbprune"
	BASH_COMPLETION_USER_DIR=${dir%/completions} run --separate-stderr \
		bash --norc --noprofile -c '
		source /usr/share/bash-completion/bash_completion
		__load_completion dbprune && complete -p "$@"' bash "${PROGS[@]}"
	assert_success
	[ -z "$stderr" ]
	[ "$output" = "$(printf 'complete -F _dbkit %s\n' "${PROGS[@]}")" ]
}

# SPDX-License-Identifier: ISC
#
# completions/dbkit.bash: bash completion for dbhealth, dbbackup, dbrestore,
# dbprune and dbpool-bench.  It is installed once, as
# /usr/share/bash-completion/completions/dbkit, with a symbolic link named
# after each program pointing to it, since bash-completion loads a
# command's completion from the file named after the command; sourcing it
# registers all five, so whichever loads first serves the others too.
#
# The flags are static lists, one a program (_dbkit_flags), each flag that
# takes a value marked with a trailing "=" (which is not offered); the
# check names of dbhealth -w and -c are one more list.  They are not parsed
# from --help at each Tab, so no program runs but where the answer is the
# catalogue's; tests/completion.bats checks every list against the C
# option tables, the choice words in the C source and each program's
# --help, so they cannot drift unnoticed.
#
# A flag's value completes files, directories or the fixed words --help
# names, and nothing for free values (numbers, durations, hosts).  Backup
# ids come from `dbbackup list --json`, which reads the catalogue only: the
# one the line names with -d or --backup-path, else DB_BACKUP_PATH's or the
# default, as the command itself would use; its errors are thrown away.
#
# bash-completion's helpers (_init_completion, _filedir) are used when they
# are there; sourced alone, the file falls back to splitting the line at
# blanks and to compgen.

# _dbkit_flags PROG: PROG's flags, a value-taking one with a trailing "=".
_dbkit_flags()
{
	local conn='-h= --host= -P= --port= -S= --socket= -u= --user=
	    --password-file= -D= --database= --ssl-ca= --ssl-cert= --ssl-key=
	    --connect-timeout= --defaults-file= --no-defaults'

	case $1 in
	dbhealth)
		echo "$conn -w= --warning= -c= --critical= -j --json -f= --format=
		    --targets-file= -d= --backup-path= --backup-check --watch=
		    --count= --history= --report= --alert-command= --alert-email=
		    --sendmail= --alert-webhook= --alert-webhook-format=
		    --alert-ca-file= --alert-timeout= --alert-repeat= -V --version
		    --help"
		;;
	dbbackup)
		echo "$conn -d= --backup-path= --threads= --compress --no-compress
		    --compress-level= --exclude= --chunk-rows= --lock-wait-timeout=
		    --long-query-guard= --no-lock --replica-pause --encrypt
		    --no-encrypt --recipient= --recipients-file= --passphrase-file=
		    --grants --no-promote --progress --archive= --tmpdir= --chain
		    -o= --output= -j --json -V --version --help"
		;;
	dbrestore)
		echo "$conn -d= --backup-path= --table= --into= --drop-existing
		    --disable-triggers --threads= --no-binlog --grants --verify
		    --test --sql --progress --identity= --passphrase-file= --tmpdir=
		    --as-replica-of= --replication-user= --replication-password-file=
		    --replica-sql --reset-replica --until= --until-gtid=
		    --until-position= --exclusive --events --grep= -j --json -V
		    --version --help"
		;;
	dbprune)
		echo "-d= --backup-path= --days= --keep-last= --keep-daily=
		    --keep-weekly= --keep-monthly= --partial-age= -n --dry-run -j
		    --json --defaults-file= --no-defaults -V --version --help"
		;;
	dbpool-bench)
		echo "$conn --pool-min= --pool-max= --pool-timeout= --pool-reset=
		    --idle-timeout= --max-lifetime= -m= --mode= -c= --clients=
		    --duration= -n= --requests= --warmup= --workload= --query=
		    --rows= --prepare --cleanup --think= --rate= --interval= -j
		    --json -V --version --help"
		;;
	esac
}

# The checks dbhealth -w and -c name: CHECK_TABLE in dbhealth/health.h.
# (A plain assignment: global even when bash-completion sources this file
# from inside a function.)
_dbkit_checks=(connect response_time version uptime connection_usage
	available_connections threads_running longest_query aborted_connects
	slow_queries deadlocks buffer_pool_hit read_only replication_io
	replication_sql replication_lag galera_status galera_size galera_state
	galera_ready galera_recv_queue binlog_kept backup_age newest_backup_age)

# _dbkit_words WORD...: COMPREPLY gets the WORDs that start with $cur.
_dbkit_words()
{
	local w

	for w in "$@"; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

# _dbkit_files [-d]: files (or directories) that start with $cur.
_dbkit_files()
{
	if declare -F _filedir >/dev/null; then
		_filedir "$@"
		return
	fi
	compopt -o filenames 2>/dev/null
	mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen "${1:--f}" -- "$cur")
}

# _dbkit_ids WHICH: the ids of the complete backups of the catalogue the
# line names (WHICH all), of those not pinned (unpinned) or of the pinned
# ones (pinned), that start with $cur.
_dbkit_ids()
{
	local i w dir='' set=''
	local -a ids

	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		case $w in
		-d | --backup-path) dir=${words[i + 1]} set=1 ;;
		--backup-path=*) dir=${w#*=} set=1 ;;
		-d?*) dir=${w#-d} set=1 ;;
		esac
	done
	# The word as typed: undo the simplest quoting and a leading ~.
	dir=${dir#[\"\']} dir=${dir%[\"\']}
	[[ $dir == \~ || $dir == \~/* ]] && dir=$HOME${dir#\~}
	# One object a backup, one key a line, fields in any order.
	mapfile -t ids < <(dbbackup ${set:+-d "$dir"} --json list 2>/dev/null |
		awk -v which="$1" '
		/^[ \t]*"id": "/ { id = $0; sub(/^[ \t]*"id": "/, "", id); sub(/",?$/, "", id) }
		/^[ \t]*"state": "complete"/ { complete = 1 }
		/^[ \t]*"pinned": true/ { pinned = 1 }
		/^[ \t]*},?$/ {
			if (id != "" && (which == "pinned" ? pinned :
			    complete && (which == "all" || !pinned)))
				print id
			id = ""; complete = pinned = 0
		}')
	_dbkit_words "${ids[@]}"
}

# _dbkit_value PROG FLAG: complete the value of FLAG.
_dbkit_value()
{
	case $1:$2 in
	dbhealth:-w | dbhealth:--warning | dbhealth:-c | dbhealth:--critical)
		# CHECK=LEVEL: the check name, then the level, a number or
		# none (readline's word starts after the "=").
		if [[ $cur == *=* ]]; then
			cur=${cur#*=}
			_dbkit_words none
			return
		fi
		_dbkit_words "${_dbkit_checks[@]/%/=}"
		compopt -o nospace 2>/dev/null
		;;
	*:-f | *:--format) _dbkit_words text json prometheus nagios ;;
	*:--alert-webhook-format) _dbkit_words text report teams ;;
	*:--compress) _dbkit_words gzip zstd none ;;
	*:--pool-reset) _dbkit_words changed always never ;;
	*:-m | *:--mode) _dbkit_words pool connect persistent all ;;
	*:--workload) _dbkit_words select1 point ;;
	*:-d | *:--backup-path | *:--tmpdir) _dbkit_files -d ;;
	*:-S | *:--socket | *:--password-file | *:--ssl-ca | *:--ssl-cert | \
	*:--ssl-key | \
	*:--defaults-file | *:--targets-file | *:--history | *:--report | \
	*:--alert-ca-file | *:--sendmail | *:--recipients-file | \
	*:--passphrase-file | *:--archive | *:-o | *:--output | *:--identity | \
	*:--replication-password-file)
		_dbkit_files
		;;
	esac
}

_dbkit()
{
	local cur prev words cword split prog flags f
	local -a args=()

	if declare -F _init_completion >/dev/null; then
		_init_completion -s || return
	else
		local line=${COMP_LINE:0:COMP_POINT}
		COMPREPLY=()
		read -ra words <<<"$line"
		[[ -z $line || $line == *[[:blank:]] ]] && words+=('')
		cword=$((${#words[@]} - 1))
		cur=${words[cword]} prev=${words[cword - 1]} split=false
		if [[ $cur == --*=* ]]; then
			prev=${cur%%=*} cur=${cur#*=} split=true
		fi
	fi
	prog=${words[0]##*/}
	flags=" $(_dbkit_flags "$prog") "
	flags=${flags//[[:space:]]/ }

	# A value: after a flag that takes one, or after --flag=.
	if [[ $split == true || $flags == *" $prev= "* ]]; then
		_dbkit_value "$prog" "$prev"
		return
	fi
	if [[ $cur == -* ]]; then
		for f in $flags; do
			_dbkit_words "${f%=}"
		done
		return
	fi

	# The words before this one that are not flags or their values.
	local i w
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		if [[ $w == -- ]]; then
			args+=("${words[@]:i+1:cword-i-1}")
			break
		fi
		case $w in
		-?*) [[ $flags == *" $w= "* ]] && ((i++)) ;;
		*) args+=("$w") ;;
		esac
	done
	case $prog:${#args[@]} in
	dbbackup:0)
		_dbkit_words full schema data incremental list pin unpin \
			export import keygen
		;;
	dbbackup:1)
		case ${args[0]} in
		pin) _dbkit_ids unpinned ;;
		unpin) _dbkit_ids pinned ;;
		export) _dbkit_ids all ;;
		import | keygen) _dbkit_files ;;
		esac
		;;
	dbrestore:0)
		_dbkit_ids all
		_dbkit_words latest
		_dbkit_files
		;;
	esac
}

complete -F _dbkit dbhealth dbbackup dbrestore dbprune dbpool-bench

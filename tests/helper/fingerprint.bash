# SPDX-License-Identifier: ISC
#
# tests/helper/fingerprint.bash: what a database is, as text, so that a
# restored database can be compared with its original line by line.
#
#   fingerprint SERVER DB [AS]
#
# prints, for database DB on SERVER, one line per fact (read with two
# clients and a few queries, not one client per object): each table's and
# sequence's SHOW CREATE and its CHECKSUM TABLE EXTENDED, a sequence's
# next value, each view's, routine's, trigger's and event's SHOW CREATE and
# the context the server recorded for it (sql_mode, character_set_client,
# collation_connection, database collation, time zone, trigger order,
# event status and schedule), and the character set and type of every
# column of every view. Statements are read with
# character_set_results = binary, as the server keeps them. With AS, the
# database's name where it qualifies a name (`DB`.x, not x.`DB`) is
# written as AS, so a copy restored under another name (--into) compares
# equal to its original when only qualifiers differ (DB must be a plain
# name, letters, digits and _, for the unquoted spelling). AUTO_INCREMENT=N is
# left out of table definitions: loading rows may move it.

# _fp_sql SERVER SQL: rows as raw bytes, tabs and newlines escaped (-B).
_fp_sql() {
	mariadb -uroot -S "$(eval echo "\$SOCK_$1")" -N -B \
		--default-character-set=binary -e "$2"
}

fingerprint() {
	local server=$1 db=$2 as=${3-} lit q
	lit=$(printf "%s" "$db" | sed "s/'/''/g")
	q=$(printf "%s" "$db" | sed 's/`/``/g')
	# One client for the lists, one for every statement they call for.
	_fp_sql "$server" "
		SELECT 'T', TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES
			WHERE TABLE_SCHEMA = '$lit';
		SELECT 'R', ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES
			WHERE ROUTINE_SCHEMA = '$lit';
		SELECT 'G', TRIGGER_NAME, '' FROM information_schema.TRIGGERS
			WHERE TRIGGER_SCHEMA = '$lit';
		SELECT 'E', EVENT_NAME, '' FROM information_schema.EVENTS
			WHERE EVENT_SCHEMA = '$lit'" | LC_ALL=C sort |
	while IFS=$'\t' read -r what name type; do
		name=$(printf "%s" "$name" | sed 's/`/``/g')
		case $what$type in
		TVIEW) echo "SHOW CREATE VIEW \`$q\`.\`$name\`;" ;;
		TSEQUENCE) echo "SHOW CREATE SEQUENCE \`$q\`.\`$name\`;
			SELECT next_not_cached_value FROM \`$q\`.\`$name\`;" ;;
		T*) echo "SHOW CREATE TABLE \`$q\`.\`$name\`;
			CHECKSUM TABLE \`$q\`.\`$name\` EXTENDED;" ;;
		R*) echo "SHOW CREATE $type \`$q\`.\`$name\`;" ;;
		E) echo "SHOW CREATE EVENT \`$q\`.\`$name\`;" ;;
		G) echo "SHOW CREATE TRIGGER \`$q\`.\`$name\`;" >&3 ;;
		esac
	done >"$BATS_TEST_TMPDIR/fingerprint.sql" 3>"$BATS_TEST_TMPDIR/triggers.sql"
	{
		_fp_sql "$server" "$(cat "$BATS_TEST_TMPDIR/fingerprint.sql")" |
			sed -E 's/ AUTO_INCREMENT=[0-9]+//'
		# A trigger's last column is when it was created: not compared.
		_fp_sql "$server" "$(cat "$BATS_TEST_TMPDIR/triggers.sql")" | cut -f1-6
		_fp_sql "$server" "SELECT TABLE_NAME, CHARACTER_SET_CLIENT, COLLATION_CONNECTION
			FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '$lit' ORDER BY TABLE_NAME;
		SELECT c.TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME,
			COLLATION_NAME FROM information_schema.COLUMNS c JOIN information_schema.VIEWS v
			USING (TABLE_SCHEMA, TABLE_NAME) WHERE TABLE_SCHEMA = '$lit'
			ORDER BY c.TABLE_NAME, ORDINAL_POSITION;
		SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_ORDER, SQL_MODE,
			CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION
			FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '$lit'
			ORDER BY TRIGGER_NAME;
		SELECT ROUTINE_NAME, ROUTINE_TYPE, SQL_MODE, CHARACTER_SET_CLIENT,
			COLLATION_CONNECTION, DATABASE_COLLATION FROM information_schema.ROUTINES
			WHERE ROUTINE_SCHEMA = '$lit' ORDER BY ROUTINE_TYPE, ROUTINE_NAME;
		SELECT EVENT_NAME, STATUS, EXECUTE_AT, TIME_ZONE, SQL_MODE,
			CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION
			FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '$lit' ORDER BY EVENT_NAME"
	} | if [ -n "$as" ]; then
		# Quoted, and for a plain name unquoted too (as a body may write it).
		sed -E -e "s/(^|[^.])\`$db\`\./\1\`$as\`./g" \
			-e "s/(^|[^.\`A-Za-z0-9_\$])$db\./\1\`$as\`./g"
	else
		cat
	fi
}

# same_database SERVER DB SERVER2 DB2: fails, showing the difference,
# unless the two fingerprints are the same (DB2 compared as DB).
same_database() {
	local a b
	a=$(fingerprint "$1" "$2" @DB@) || return 1
	b=$(fingerprint "$3" "$4" @DB@) || return 1
	if [ "$a" != "$b" ]; then
		diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -n 40 >&2
		echo "$1:$2 and $3:$4 differ" >&2
		return 1
	fi
	[ -n "$a" ]
}

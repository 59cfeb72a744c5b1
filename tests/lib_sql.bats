#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# lib/sqlscan.c through tests/lib/sqltest: which dotted names the lexer
# finds in SQL text, and how renaming a database changes a definition.
# Each case is text in, lines out; what must never be touched (strings,
# comments, variables, a column of a table named like its database) has
# cases of its own.

load helper/common

# chains MODE CHARSET TEXT EXPECTED: the chains found, one per line.
chains() {
	run --separate-stderr sqltest chains "$1" "$2" <<<"$3"
	assert_success
	[ "$output" = "$4" ] || fail "text: $3"$'\n'"got: $output"$'\n'"want: $4"
}

# renamed FROM TO OBJECTS TEXT EXPECTED
renamed() {
	local objects=$3
	# shellcheck disable=SC2086
	run --separate-stderr sqltest rename '' utf8mb4 "$1" "$2" $objects <<<"$4"
	assert_success
	[ "$output" = "$5" ] || fail "text: $4"$'\n'"got: $output"$'\n'"want: $5"
}

@test "qualified names are found whether quoted or not, with their calls" {
	chains '' utf8mb4 'select `shop`.`t`.`id`, shop.f(1), `a``b`.c from `shop`.`t`' \
		'[shop].[t].[id]
[shop].[f] call
[a`b].[c]
[shop].[t]'
	chains '' utf8mb4 'select `x` . `y` , z. /* c */ w' '[x].[y]
[z].[w]'
}

@test "strings, comments, variables and numbers hold no names" {
	chains '' utf8mb4 "select 'shop.t', \"shop.u\", 'it''s shop.v', 'a\\'shop.w' from t" ''
	chains '' utf8mb4 $'select 1 -- shop.t\n# shop.u\n/* shop.v */ from t' ''
	chains '' utf8mb4 'select @a.b, @@session.sql_mode, @`x`.y, 1.5, 1.5e3, 0x1.f' ''
	chains '' utf8mb4 'select 1 /*!50001 from shop.t */' '[shop].[t]'
	chains '' utf8mb4 'select 1 /*M!100100 from shop.t */' '[shop].[t]'
}

@test "sql_mode decides what double quotes and backslashes mean" {
	chains 'ANSI_QUOTES' utf8mb4 'select "shop"."t"' '[shop].[t]'
	chains 'STRICT_TRANS_TABLES,ORACLE' utf8mb4 'select "shop"."t"' '[shop].[t]'
	chains '' utf8mb4 'select "shop"."t"' ''
	# Without escapes, '\' ends nothing: the quote after it closes the string.
	chains 'NO_BACKSLASH_ESCAPES' utf8mb4 "select 'a\\', shop.t" '[shop].[t]'
	chains '' utf8mb4 "select 'a\\', shop.t" ''
}

@test "a multi-byte character whose second byte is a quote stays inside its string" {
	# 0x95 0x5C is one sjis character; the 0x5C is not a backslash.
	run --separate-stderr sqltest chains '' sjis < <(printf "select '\x95\x5c', shop.t")
	assert_success
	[ "$output" = "[shop].[t]" ]
	run --separate-stderr sqltest chains '' latin1 < <(printf "select '\x95\x5c', shop.t")
	assert_success
	[ "$output" = "" ]
}

@test "renaming changes database qualifiers only" {
	renamed shop shop2 'shop items' \
		'select `shop`.`shop`.`id` AS `id` from `shop`.`shop` join shop.items i on i.id = `shop`.`id`' \
		'select `shop2`.`shop`.`id` AS `id` from `shop2`.`shop` join `shop2`.items i on i.id = `shop`.`id`'
	renamed shop 'a`b' '' 'select `shop`.`f`(1), `other`.`shop`.`x`' 'select `a``b`.`f`(1), `other`.`shop`.`x`'
	renamed shop s2 t "select 'shop.t', \`shop\`.\`t\` /* shop.t */" "select 'shop.t', \`s2\`.\`t\` /* shop.t */"
	renamed shop s2 t 'select NEW.x, `SHOP`.`t`, shopx.t' 'select NEW.x, `SHOP`.`t`, shopx.t'
}

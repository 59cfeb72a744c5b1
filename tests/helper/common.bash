# SPDX-License-Identifier: ISC
#
# tests/helper/common.bash: what every dbkit suite loads: bats-support,
# bats-assert and bats-file, the server helper, and small assertions on the
# programs' JSON output.

bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load /usr/lib/bats/bats-file/load
load "${BASH_SOURCE[0]%/*}/server"

# json_is FILTER EXPECTED: jq FILTER applied to $output prints EXPECTED.
json_is() {
	local got
	got=$(jq -r "$1" <<<"$output") || fail "not JSON: $output"
	[[ $got == "$2" ]] || fail "jq '$1': expected '$2', got '$got'"
}

# check_field TARGET CHECK FIELD [SOURCE]: a field of one check from the
# JSON in $output, e.g. check_field default uptime status.
check_field() {
	local src=${4-}
	if [[ -n ${4+set} ]]; then
		jq -r --arg t "$1" --arg c "$2" --arg s "$src" --arg f "$3" \
			'.targets[] | select(.name == $t) | .checks[] |
			 select(.name == $c and .source == $s) | .[$f]' <<<"$output"
	else
		jq -r --arg t "$1" --arg c "$2" --arg f "$3" \
			'.targets[] | select(.name == $t) | .checks[] |
			 select(.name == $c) | .[$f]' <<<"$output"
	fi
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

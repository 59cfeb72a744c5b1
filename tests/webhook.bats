#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# dbhealth/webhook.c, through tests/lib/webhooktest, against real HTTP and
# HTTPS servers on 127.0.0.1 (tests/helper/httpd.py): the exact request,
# the errors a receiver or the network can give, TLS verification with a
# test CA, no redirects, no other schemes, and URLs whose secret parts
# never reach a message.  Every server is started once for the file and
# records what it receives; setup() empties the records.

# shellcheck disable=SC2154
load helper/common
load helper/httpd

# A webhook path and query in the style of Slack's and Teams': what
# messages must never show.
SECRET_PATH='/services/T0SECRET1/B0SECRET2/tokenSECRET3xyz?sig=SECRET4xyz'

setup_file() {
	export HTTPD=$BATS_FILE_TMPDIR/httpd PKI=$BATS_FILE_TMPDIR/pki
	mkdir -p "$HTTPD"
	tls_make_certs "$PKI"
	httpd_start plain record
	httpd_start fail status 500
	httpd_start hang hang
	httpd_start moved redirect
	httpd_start tls --tls "$PKI/server-cert.pem" "$PKI/server-key.pem" record
	httpd_start othername --tls "$PKI/otherhost-cert.pem" \
		"$PKI/otherhost-key.pem" record
	for name in plain fail hang moved tls othername; do
		httpd_wait "$name"
	done
}

teardown_file() {
	httpd_stop_all
}

setup() {
	rm -f "$HTTPD"/*/*
	# The requests go straight to 127.0.0.1 whatever the machine's proxy.
	unset http_proxy https_proxy HTTPS_PROXY all_proxy ALL_PROXY
	printf '{"text":"dbhealth: critical on db1 \xe2\x80\x94 \\"quoted\\"\\n"}' >"$BATS_TEST_TMPDIR/body"
}

# requests NAME: how many requests and connections server NAME saw.
requests() {
	local heads=("$HTTPD/$1"/*.head) conns=0
	[[ -e ${heads[0]} ]] || heads=()
	[[ -f $HTTPD/$1/connections ]] && conns=$(wc -l <"$HTTPD/$1/connections")
	echo "${#heads[@]} requests, $conns connections"
}

# refute_secret: nothing of the URL's path or query in the output.
refute_secret() {
	[[ $output$stderr != *SECRET* ]] || fail "secret shown: $output$stderr"
}

@test "the request is a POST of the body byte for byte, as JSON, from dbhealth/VERSION" {
	local version
	version=$(dbhealth --version | awk '{ print $NF }')
	run --separate-stderr webhooktest "http://127.0.0.1:$PORT_plain$SECRET_PATH" <"$BATS_TEST_TMPDIR/body"
	assert_success
	assert_output ok
	[ -z "$stderr" ]
	[ "$(requests plain)" = "1 requests, 1 connections" ]
	cmp "$BATS_TEST_TMPDIR/body" "$HTTPD/plain/1.body"
	run cat "$HTTPD/plain/1.head"
	assert_line --index 0 "POST $SECRET_PATH HTTP/1.1"
	assert_line "Content-Type: application/json"
	assert_line "User-Agent: dbhealth/$version"
	assert_line "Content-Length: $(wc -c <"$BATS_TEST_TMPDIR/body")"
	refute_line --partial Expect
}

@test "a large body is sent whole, without Expect: 100-continue (a second's wait)" {
	# libcurl 7.88 asks for 100-continue from 1 MiB (older ones from 1 KiB).
	head -c 900000 /dev/urandom | base64 -w0 | sed 's/.*/{"text":"&"}/' >"$BATS_TEST_TMPDIR/big"
	run --separate-stderr webhooktest "http://127.0.0.1:$PORT_plain/hook" <"$BATS_TEST_TMPDIR/big"
	assert_success
	cmp "$BATS_TEST_TMPDIR/big" "$HTTPD/plain/1.body"
	run grep -ci '^Expect' "$HTTPD/plain/1.head"
	assert_output 0
}

@test "HTTP 500 fails with the first line of the answer, the URL's secrets replaced" {
	run --separate-stderr webhooktest "http://127.0.0.1:$PORT_fail$SECRET_PATH" <"$BATS_TEST_TMPDIR/body"
	assert_failure 1
	assert_output ''
	# The answer's first line is "no hook at PATH<TAB>sorry".
	[ "$stderr" = "webhook http://127.0.0.1:$PORT_fail/...: HTTP 500: no hook at ... sorry" ]
	refute_secret
	[ "$(requests fail)" = "1 requests, 1 connections" ]
}

@test "a server that never answers fails at the timeout" {
	local start=$EPOCHREALTIME elapsed_ms
	run --separate-stderr webhooktest "http://127.0.0.1:$PORT_hang$SECRET_PATH" --timeout 1500 <"$BATS_TEST_TMPDIR/body"
	elapsed_ms=$(((${EPOCHREALTIME/./} - ${start/./}) / 1000))
	assert_failure 1
	[ "$stderr" = "webhook http://127.0.0.1:$PORT_hang/...: timed out after 1500 ms" ]
	refute_secret
	# The margin is for starting webhooktest, under ASan on a busy machine.
	((elapsed_ms >= 1500 && elapsed_ms < 3000)) || fail "took $elapsed_ms ms"
}

@test "a refused connection says so" {
	local port
	port=$(free_port)
	run --separate-stderr webhooktest "http://127.0.0.1:$port$SECRET_PATH" <"$BATS_TEST_TMPDIR/body"
	assert_failure 1
	assert_output ''
	[ "$stderr" = "webhook http://127.0.0.1:$port/...: connection refused" ]
	refute_secret
}

@test "a redirect is not followed" {
	run --separate-stderr webhooktest "http://127.0.0.1:$PORT_moved$SECRET_PATH" <"$BATS_TEST_TMPDIR/body"
	assert_failure 1
	[ "$stderr" = "webhook http://127.0.0.1:$PORT_moved/...: HTTP 302: moved" ]
	refute_secret
	[ "$(requests moved)" = "1 requests, 1 connections" ]
}

@test "https with the test CA delivers, to 127.0.0.1 and to localhost" {
	run --separate-stderr webhooktest "https://127.0.0.1:$PORT_tls$SECRET_PATH" --ca "$PKI/ca.pem" <"$BATS_TEST_TMPDIR/body"
	assert_success
	assert_output ok
	[ -z "$stderr" ]
	cmp "$BATS_TEST_TMPDIR/body" "$HTTPD/tls/1.body"
	run --separate-stderr webhooktest "https://localhost:$PORT_tls/hook" --ca "$PKI/ca.pem" <"$BATS_TEST_TMPDIR/body"
	assert_success
	[ "$(requests tls)" = "2 requests, 2 connections" ]
}

@test "https fails on the certificate without the CA or with another CA, before the request" {
	local ca
	for ca in "" "$PKI/other-ca.pem"; do
		run --separate-stderr webhooktest "https://127.0.0.1:$PORT_tls$SECRET_PATH" ${ca:+--ca "$ca"} <"$BATS_TEST_TMPDIR/body"
		assert_failure 1
		assert_output ''
		[[ $stderr == "webhook https://127.0.0.1:$PORT_tls/...: TLS: SSL certificate problem: "* ]] ||
			fail "CA '$ca': $stderr"
		refute_secret
	done
	[ "$(requests tls)" = "0 requests, 2 connections" ]
}

@test "https fails on a certificate for another host name from the right CA" {
	run --separate-stderr webhooktest "https://127.0.0.1:$PORT_othername$SECRET_PATH" --ca "$PKI/ca.pem" <"$BATS_TEST_TMPDIR/body"
	assert_failure 1
	[[ $stderr == "webhook https://127.0.0.1:$PORT_othername/...: TLS: "*"'127.0.0.1'"* ]] || fail "$stderr"
	refute_secret
	[ "$(requests othername)" = "0 requests, 1 connections" ]
}

@test "a CA file that cannot be read fails as TLS" {
	run --separate-stderr webhooktest "https://127.0.0.1:$PORT_tls$SECRET_PATH" --ca "$BATS_TEST_TMPDIR/none.pem" <"$BATS_TEST_TMPDIR/body"
	assert_failure 1
	[[ $stderr == "webhook https://127.0.0.1:$PORT_tls/...: TLS: "*"$BATS_TEST_TMPDIR/none.pem"* ]] || fail "$stderr"
	[[ $(requests tls) == "0 requests, "* ]]
}

@test "only http and https URLs are accepted, without a connection" {
	local url want
	while read -r url want; do
		run --separate-stderr webhooktest "${url/PORT/$PORT_plain}" <"$BATS_TEST_TMPDIR/body"
		assert_failure 1
		assert_output ''
		[ "$stderr" = "webhook ${want/PORT/$PORT_plain}: only http and https URLs are allowed" ] ||
			fail "$url: $stderr"
	done <<'EOF_TABLE'
file:///etc/passwd file:///...
ftp://127.0.0.1:PORT/SECRET ftp://127.0.0.1:PORT/...
gopher://127.0.0.1:PORT/_SECRET gopher://127.0.0.1:PORT/...
127.0.0.1:PORT/SECRET ...
httpx://127.0.0.1:PORT/SECRET httpx://127.0.0.1:PORT/...
EOF_TABLE
	[ "$(requests plain)" = "0 requests, 0 connections" ]
	run --separate-stderr webhooktest "HTTP://127.0.0.1:$PORT_plain/hook" <"$BATS_TEST_TMPDIR/body"
	assert_success
}

@test "URLs are shown with their path, query and user info replaced" {
	local url want
	while read -r url want; do
		run webhooktest --redact "$url"
		[ "$output" = "$want" ] || fail "$url: got '$output', want '$want'"
	done <<'EOF_TABLE'
https://hooks.slack.com/services/T00/B00/XXXX https://hooks.slack.com/...
https://chat.example.com:8065/hooks/abcdefgh https://chat.example.com:8065/...
https://u:pw@example.com/x https://...@example.com/...
https://example.com?token=x https://example.com/...
https://example.com#x https://example.com/...
https://example.com https://example.com/...
http://[::1]:8080/x http://[::1]:8080/...
example.com/secret ...
EOF_TABLE
}

@test "without libcurl.so.4 the error says what to install" {
	local lib
	lib=$(ldconfig -p | awk '$1 == "libcurl.so.4" { print $NF; exit }')
	[ -n "$lib" ] || fail "ldconfig does not list libcurl.so.4"
	unshare --mount true 2>/dev/null || skip "needs unshare --mount (root)"
	# libcurl.so.4 hidden behind /dev/null in a private mount namespace.
	run --separate-stderr unshare --mount sh -c 'mount --bind /dev/null "$1" && exec webhooktest "$2"' \
		sh "$lib" "http://127.0.0.1:$PORT_plain$SECRET_PATH" <"$BATS_TEST_TMPDIR/body"
	assert_failure 1
	[ "$stderr" = "webhook: libcurl.so.4 not found: install libcurl4" ]
	[ "$(requests plain)" = "0 requests, 0 connections" ]
}

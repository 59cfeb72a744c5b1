#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# TLS: with a CA set, dbhealth verifies the server's certificate chain and
# its host name (Connector/C checks the name only when asked).  The server
# runs with a certificate from a private CA for localhost and 127.0.0.1.

# shellcheck disable=SC2154
load helper/common

setup_file() {
	export PKI=$BATS_FILE_TMPDIR/pki
	mkdir -p "$PKI"
	tls_make_certs "$PKI"
	# The server reads live-*.pem, so a test can swap the certificate
	# underneath it and FLUSH SSL.
	cp "$PKI/server-cert.pem" "$PKI/live-cert.pem"
	cp "$PKI/server-key.pem" "$PKI/live-key.pem"
	server_start tls --ssl-ca="$PKI/ca.pem" --ssl-cert="$PKI/live-cert.pem" \
		--ssl-key="$PKI/live-key.pem"
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server tls
	export DB_PASSWORD=adminpw
	TARGET=127.0.0.1:$PORT_tls
}

@test "the right CA connects over verified TLS" {
	DB_SSL_CA=$PKI/ca.pem run --separate-stderr dbhealth --json "$TARGET"
	assert_success
	json_is '.targets[0].server.tls | test("^TLSv1\\.[23]$")' true
	[[ "$(check_field "$TARGET" connect message)" == "TLS TLSv1."* ]]
	run --separate-stderr dbhealth --json --ssl-ca "$PKI/ca.pem" "$TARGET"
	assert_success
}

@test "without a CA the connection is plain and says so" {
	run --separate-stderr dbhealth --json "$TARGET"
	assert_success
	json_is .targets[0].server.tls null
	[ "$(check_field "$TARGET" connect message)" = unencrypted ]
}

@test "a wrong CA fails with a clear message" {
	run --separate-stderr dbhealth --json --ssl-ca "$PKI/other-ca.pem" "$TARGET"
	assert_failure 2
	json_is .targets[0].reachable false
	json_is .targets[0].error "connect to $TARGET: TLS/SSL error: self-signed certificate in certificate chain"
}

@test "a certificate for another host name fails even from the right CA" {
	cp "$PKI/otherhost-cert.pem" "$PKI/live-cert.pem"
	cp "$PKI/otherhost-key.pem" "$PKI/live-key.pem"
	sql tls 'FLUSH SSL'
	run --separate-stderr dbhealth --json --ssl-ca "$PKI/ca.pem" "$TARGET"
	cp "$PKI/server-cert.pem" "$PKI/live-cert.pem"
	cp "$PKI/server-key.pem" "$PKI/live-key.pem"
	sql tls 'FLUSH SSL'
	assert_failure 2
	json_is .targets[0].error "connect to $TARGET: TLS/SSL error: Validation of SSL server certificate failed"
}

@test "a client certificate and key are sent when the server asks" {
	sql tls "CREATE USER IF NOT EXISTS 'dbk_x509'@'127.0.0.1' IDENTIFIED BY 'x509pw' REQUIRE X509"
	export DB_USER=dbk_x509 DB_PASSWORD=x509pw
	run --separate-stderr dbhealth --json --ssl-ca "$PKI/ca.pem" "$TARGET"
	assert_failure 2
	json_is '.targets[0].error | test("Access denied")' true
	run --separate-stderr dbhealth --json --ssl-ca "$PKI/ca.pem" \
		--ssl-cert "$PKI/client-cert.pem" --ssl-key "$PKI/client-key.pem" "$TARGET"
	assert_success
}

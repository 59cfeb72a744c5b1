#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# lib/age and lib/agekey, through tests/lib/agetest: the C2SP/CCTV age
# vectors in tests/data/age-cctv, and files exchanged both ways with the
# stock age and age-keygen programs (Debian package age), which read a
# passphrase only from a terminal (tests/helper/age_pty.py types it).
# Then what must fail: wrong keys, altered and truncated files, which
# release no plaintext that did not authenticate.  No server is needed.

# shellcheck disable=SC2154
load helper/common

VECTORS=$BATS_TEST_DIRNAME/data/age-cctv
AGE_PTY=$BATS_TEST_DIRNAME/helper/age_pty.py
CHUNK=65536
SIZES=(0 1 65535 65536 65537 131072 1000000)

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

# to FILE COMMAND...: COMMAND with its stdout in FILE, for run (binary safe).
to() {
	local file=$1
	shift
	"$@" >"$file"
}

# inputs: p-SIZE for each of SIZES, random bytes from a fixed seed.
inputs() {
	python3 -c 'import random, sys; random.seed(7)
sys.stdout.buffer.write(random.randbytes(1000000))' >all
	for size in "${SIZES[@]}"; do
		head -c "$size" all >"p-$size"
	done
}

# keys: stock.key from age-keygen, ours.key from agetest keygen, and
# their recipients in $STOCK and $OURS.
keys() {
	age-keygen -o stock.key 2>/dev/null
	agetest keygen >ours.key 2>/dev/null
	STOCK=$(age-keygen -y stock.key)
	OURS=$(age-keygen -y ours.key)
}

# age_size SIZE RECIPIENTS: the size of our file of SIZE bytes: the header
# (version line 22, a stanza 98 each, MAC line 48), the nonce, and a 16-byte
# tag per chunk; the final chunk may be full, and is empty only for SIZE 0.
age_size() {
	local chunks=$((($1 + CHUNK - 1) / CHUNK))
	((chunks > 0)) || chunks=1
	echo $((22 + 98 * $2 + 48 + 16 + 16 * chunks + $1))
}

# other KEY: KEY with its last letter changed, so its checksum fails.
other() {
	local new=q
	[[ $1 == AGE-* ]] && new=Q
	[[ ${1: -1} == "$new" ]] && new=$(tr qQ pP <<<"$new")
	echo "${1%?}$new"
}

# flip FILE OFFSET: inverts the bits of the byte at OFFSET in place.
flip() {
	python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); b = f.read(1)
f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xff]))' "$1" "$2"
}

@test "every vendored C2SP/CCTV vector gives the expected result and plaintext" {
	local files=() f
	for f in "$VECTORS"/*; do
		[ "${f##*/}" = README ] || files+=("$f")
	done
	[ "${#files[@]}" -eq 92 ]
	run --separate-stderr agetest vector "${files[@]}"
	[ -z "$stderr" ]
	[ "$status" -eq 0 ] || fail "$(grep -v '^ok ' <<<"$output")"
	[ "$(grep -c '^ok ' <<<"$output")" -eq 92 ]
	# Each failure class comes out as its own result.
	assert_line "ok x25519: success"
	assert_line "ok x25519_no_match: no match: age: no identity matches the file's recipients"
	assert_line "ok hmac_bad: HMAC failure: age: the header MAC does not match (the header was altered)"
	assert_line "ok scrypt_work_factor_23: header failure: age: scrypt stanza: work factor 2^23 above 2^22, the most we read"
	assert_line "ok stream_trailing_garbage_short: payload failure: age: data after the final chunk"
}

@test "the vector runner fails a vector whose result or plaintext is not the expected one" {
	sed 's/^expect: success$/expect: no match/' "$VECTORS/x25519" >wrong-class
	sed "s/^payload: .*/payload: $(printf '0%.0s' {1..64})/" \
		"$VECTORS/stream_bad_tag_second_chunk" >wrong-payload
	run --separate-stderr agetest vector wrong-class wrong-payload "$VECTORS/x25519"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	assert_line "FAIL wrong-class: expected no match, got success: "
	assert_line --regexp '^FAIL wrong-payload: expected payload failure, got payload failure: plaintext released has SHA-256 [0-9a-f]{64}, not 0{64}$'
	assert_line "ok x25519: success"
}

@test "our keygen writes age-keygen's format, which age-keygen -y and age read" {
	run --separate-stderr to key.txt agetest keygen
	[ "$status" -eq 0 ]
	assert_regex "$stderr" '^Public key: age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$'
	recipient=${stderr#Public key: }
	mapfile -t lines <key.txt
	[ "${#lines[@]}" -eq 3 ]
	assert_regex "${lines[0]}" '^# created: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})$'
	[ "${lines[1]}" = "# public key: $recipient" ]
	assert_regex "${lines[2]}" '^AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}$'
	[ "$(age-keygen -y key.txt)" = "$recipient" ]
	run --separate-stderr agetest pubkey key.txt
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "$recipient" ]
	echo hello | age -e -r "$output" | age -d -i key.txt >out
	[ "$(cat out)" = hello ]
	# Local time with its offset, as age-keygen (Go's RFC 3339) writes it.
	TZ=America/New_York agetest keygen 2>/dev/null | head -n 1 | grep -Eq -- '-0[45]:00$'
	TZ=UTC agetest keygen 2>/dev/null | head -n 1 | grep -q 'Z$'
}

@test "an identity file with comments, blank lines, CRLF and two keys gives both keys" {
	keys
	{
		printf '# backups of db1\n\n'
		sed 's/$/\r/' stock.key
		printf '\n'
		cat ours.key
	} >both.key
	run --separate-stderr agetest pubkey both.key
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "$(printf '%s\n%s' "$STOCK" "$OURS")" ]
	[ "$output" = "$(age-keygen -y both.key)" ]
	echo second | age -e -r "$OURS" >f.age
	run --separate-stderr agetest decrypt -i both.key <f.age
	[ "$status" -eq 0 ]
	[ "$output" = second ]
}

@test "bad key files are refused by file and line, never quoting a key" {
	keys
	secret=$(grep ^AGE-SECRET ours.key)
	printf '# ok\n%s\n%s\n' "$secret" "$(other "$secret")" >badsum.key
	printf '%s\n' "${secret,,}" >lower.key
	printf '%s\n' "$OURS" >public.key
	printf '# nothing\n\n' >empty.key
	printf 'AGE-SECRET-KEY-PQ-1QQQQ\n' >pq.key
	run --separate-stderr agetest pubkey badsum.key
	[ "$status" -eq 1 ]
	[ "$stderr" = "agetest: badsum.key: line 3: invalid bech32: bad checksum" ]
	run --separate-stderr agetest pubkey lower.key
	[ "$stderr" = "agetest: lower.key: line 1: not an X25519 identity (AGE-SECRET-KEY-1...)" ]
	run --separate-stderr agetest pubkey public.key
	[ "$stderr" = "agetest: public.key: line 1: not an X25519 identity (AGE-SECRET-KEY-1...)" ]
	run --separate-stderr agetest pubkey empty.key
	[ "$stderr" = "agetest: empty.key: no identity in the file" ]
	run --separate-stderr agetest pubkey pq.key
	[ "$status" -eq 1 ]
	[ "$stderr" = "agetest: pq.key: line 1: not an X25519 identity (AGE-SECRET-KEY-1...)" ]
	run --separate-stderr agetest pubkey missing.key
	[ "$stderr" = "agetest: missing.key: No such file or directory" ]
	mkfifo fifo.key
	run --separate-stderr timeout 5 agetest pubkey fifo.key
	[ "$status" -eq 1 ]
	assert_regex "$stderr" '^agetest: fifo.key: '
}

@test "recipients: files with comments and blank lines; a secret key, upper case or an ssh key refused" {
	keys
	printf '# db1 offsite\n%s\n\n# db2\n%s\r\n' "$STOCK" "$OURS" >rcpt.txt
	printf 'x\n' >p
	run --separate-stderr to f.age agetest encrypt -R rcpt.txt <p
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(age -d -i stock.key f.age)" = x ]
	[ "$(age -d -i ours.key f.age)" = x ]
	[ "$(stat -c %s f.age)" -eq "$(age_size 2 2)" ]
	secret=$(grep ^AGE-SECRET ours.key)
	run --separate-stderr agetest encrypt -r "$secret" <p
	[ "$status" -eq 1 ]
	[ "$stderr" = "agetest: recipient: a secret key, not a recipient: give its public key (age-keygen -y)" ]
	run --separate-stderr agetest encrypt -r "${OURS^^}" <p
	[ "$stderr" = "agetest: recipient: not an X25519 recipient (age1...)" ]
	run --separate-stderr agetest encrypt -r "$(other "$OURS")" <p
	[ "$stderr" = "agetest: recipient: invalid bech32: bad checksum" ]
	run --separate-stderr agetest encrypt -r "age1${OURS:4:10}X${OURS:15}" <p
	[ "$stderr" = "agetest: recipient: invalid bech32: mixed upper and lower case" ]
	printf '%s\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKx user@host\n' "$OURS" >ssh.txt
	run --separate-stderr agetest encrypt -R ssh.txt <p
	[ "$status" -eq 1 ]
	[ "$stderr" = "agetest: ssh.txt: line 2: not an X25519 recipient (age1...)" ]
	printf '# nobody\n' >none.txt
	run --separate-stderr agetest encrypt -R none.txt <p
	[ "$stderr" = "agetest: none.txt: no recipient in the file" ]
	[ -z "$output" ]
}

@test "our files to one recipient open with stock age, at sizes around the 64 KiB chunks" {
	inputs
	keys
	for size in "${SIZES[@]}"; do
		run --separate-stderr to "c-$size" agetest encrypt -r "$STOCK" <"p-$size"
		[ "$status" -eq 0 ] || fail "$size: $stderr"
		[ -z "$stderr" ]
		[ "$(stat -c %s "c-$size")" -eq "$(age_size "$size" 1)" ] ||
			fail "$size: $(stat -c %s "c-$size") bytes"
		age -d -i stock.key "c-$size" >"d-$size"
		cmp "d-$size" "p-$size"
	done
}

@test "our files to two recipients open with either identity in stock age" {
	inputs
	keys
	for size in "${SIZES[@]}"; do
		agetest encrypt -r "$OURS" -r "$STOCK" <"p-$size" >"c-$size"
		[ "$(stat -c %s "c-$size")" -eq "$(age_size "$size" 2)" ]
		[ "$(grep -ac '^-> X25519 ' "c-$size")" -eq 2 ]
		age -d -i stock.key "c-$size" | cmp - "p-$size"
		age -d -i ours.key "c-$size" | cmp - "p-$size"
	done
}

@test "stock age's files open with ours, at sizes around the 64 KiB chunks" {
	inputs
	keys
	for size in "${SIZES[@]}"; do
		age -e -r "$STOCK" -o "c-$size" "p-$size"
		run --separate-stderr to "d-$size" agetest decrypt -i stock.key <"c-$size"
		[ "$status" -eq 0 ] || fail "$size: $stderr"
		[ -z "$stderr" ]
		cmp "d-$size" "p-$size"
		# Several recipients, ours the second.
		age -e -r "$OURS" -r "$STOCK" -o "c2-$size" "p-$size"
		agetest decrypt -i stock.key <"c2-$size" | cmp - "p-$size"
	done
}

@test "odd write and read sizes give the same plaintext" {
	inputs
	keys
	for b in 1 7 65535 65537 200000; do
		agetest encrypt -b "$b" -r "$OURS" <p-131072 >"c-$b"
		[ "$(stat -c %s "c-$b")" -eq "$(age_size 131072 1)" ]
		age -d -i ours.key "c-$b" | cmp - p-131072
		agetest decrypt -b "$b" -i ours.key <"c-$b" | cmp - p-131072
	done
	# Through a pipe, which delivers what it holds, not whole chunks.
	age -e -r "$OURS" p-1000000 | agetest decrypt -b 4093 -i ours.key | cmp - p-1000000
}

@test "our passphrase files open with stock age at its terminal prompt" {
	inputs
	printf 'correct horse battery staple\n' >pass
	for size in 0 65536 1000000; do
		run --separate-stderr to "c-$size" agetest encrypt -p pass -w 10 <"p-$size"
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		[ "$(grep -ac '^-> scrypt [A-Za-z0-9+/]\{22\} 10$' "c-$size")" -eq 1 ]
		run --separate-stderr python3 "$AGE_PTY" pass age -d -o "d-$size" "c-$size"
		[ "$status" -eq 0 ] || fail "$size: age: $stderr"
		assert_regex "$stderr" '^Enter passphrase: '
		refute_regex "$stderr" 'correct horse|error'
		# age -o creates no file for an empty plaintext.
		if [ "$size" -eq 0 ]; then
			[ ! -e d-0 ]
			: >d-0
		fi
		cmp "d-$size" "p-$size"
	done
	printf 'wrong\n' >wrong
	run --separate-stderr python3 "$AGE_PTY" wrong age -d -o d-wrong c-65536
	[ "$status" -eq 1 ]
	assert_regex "$stderr" 'incorrect passphrase'
	[ ! -e d-wrong ]
}

@test "stock age's passphrase files (work factor 2^18) open with our passphrase file" {
	inputs
	printf 'correct horse battery staple\n' >pass
	run --separate-stderr python3 "$AGE_PTY" pass age -e -p -o c.age p-131072
	[ "$status" -eq 0 ] || fail "age: $stderr"
	assert_regex "$stderr" 'Confirm passphrase: '
	refute_regex "$stderr" 'correct horse|error'
	grep -aq '^-> scrypt [A-Za-z0-9+/]\{22\} 18$' c.age
	run --separate-stderr to d agetest decrypt -p pass <c.age
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	cmp d p-131072
	# The same passphrase with a CRLF line end.
	printf 'correct horse battery staple\r\n' >pass-crlf
	agetest decrypt -p pass-crlf <c.age | cmp - p-131072
}

@test "a wrong identity or passphrase, or the wrong kind of key: no match, exit 3, no plaintext" {
	keys
	age-keygen -o other.key 2>/dev/null
	printf 'secret\n' >p
	printf 'right\n' >pass
	printf 'wrong\n' >wrong
	agetest encrypt -r "$OURS" -r "$STOCK" <p >x.age
	agetest encrypt -p pass -w 10 <p >s.age
	run --separate-stderr agetest decrypt -i other.key <x.age
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "$stderr" = "agetest: age: no identity matches the file's recipients" ]
	run --separate-stderr agetest decrypt -p pass <x.age
	[ "$status" -eq 3 ]
	[ "$stderr" = "agetest: age: no identity matches the file's recipients" ]
	run --separate-stderr agetest decrypt -p wrong <s.age
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "$stderr" = "agetest: age: the passphrase does not match" ]
	run --separate-stderr agetest decrypt -i ours.key <s.age
	[ "$status" -eq 3 ]
	[ "$stderr" = "agetest: age: the file is encrypted with a passphrase, and none was given" ]
	# Stock age agrees that the other key does not open it.
	run --separate-stderr age -d -i other.key x.age
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	assert_regex "$stderr" "no identity matched any of the recipients"
	# With several identities, the one that matches is found.
	cat other.key ours.key >two.key
	run --separate-stderr agetest decrypt -i two.key <x.age
	[ "$status" -eq 0 ]
	[ "$output" = secret ]
}

@test "a flipped byte in the payload releases only the chunks before it" {
	inputs
	keys
	agetest encrypt -r "$OURS" <p-1000000 >c.age
	header=$(($(age_size 0 1) - 16))	# header and nonce
	# A byte in chunk 2 (the third): chunks 0 and 1 come out, then exit 1.
	cp c.age flipped.age
	flip flipped.age $((header + 2 * (CHUNK + 16) + 100))
	run --separate-stderr to d agetest decrypt -i ours.key <flipped.age
	[ "$status" -eq 1 ]
	[ "$stderr" = "agetest: age: chunk 2: authentication failed (the file was altered or cut short)" ]
	[ "$(stat -c %s d)" -eq $((2 * CHUNK)) ]
	head -c $((2 * CHUNK)) p-1000000 | cmp - d
	# In a tag, and in the last (short) chunk: all before it, nothing of it.
	cp c.age tag.age
	flip tag.age $((header + CHUNK + 16 - 1))
	run --separate-stderr to d agetest decrypt -i ours.key <tag.age
	[ "$status" -eq 1 ]
	[ "$(stat -c %s d)" -eq 0 ]
	cp c.age last.age
	flip last.age $(($(stat -c %s c.age) - 20))
	run --separate-stderr to d agetest decrypt -i ours.key <last.age
	[ "$status" -eq 1 ]
	[ "$(stat -c %s d)" -eq $((15 * CHUNK)) ]
	# Stock age refuses the same file.
	run --separate-stderr age -d -i ours.key -o /dev/null flipped.age
	[ "$status" -eq 1 ]
	assert_regex "$stderr" "failed to decrypt and authenticate payload chunk"
}

@test "an altered header fails before any plaintext: the MAC, a stanza, the version" {
	keys
	printf 'secret\n' >p
	agetest encrypt -r "$OURS" <p >c.age
	# A different (valid base64) first letter of the MAC.
	python3 - <<-'EOF'
		d = open('c.age', 'rb').read()
		i = d.index(b'\n--- ') + 5
		open('mac.age', 'wb').write(d[:i] + (b'B' if d[i:i + 1] == b'A' else b'A') + d[i + 1:])
		open('version.age', 'wb').write(d.replace(b'/v1\n', b'/v2\n', 1))
		i = d.index(b'\n', d.index(b'-> X25519')) + 1
		open('body.age', 'wb').write(d[:i] + (b'B' if d[i:i + 1] == b'A' else b'A') + d[i + 1:])
	EOF
	run --separate-stderr agetest decrypt -i ours.key <mac.age
	[ "$status" -eq 5 ]
	[ -z "$output" ]
	[ "$stderr" = "agetest: age: the header MAC does not match (the header was altered)" ]
	run --separate-stderr agetest decrypt -i ours.key <version.age
	[ "$status" -eq 4 ]
	[ "$stderr" = "agetest: age: unsupported format version" ]
	# The wrapped file key no longer opens: to us, a stanza for someone else.
	run --separate-stderr agetest decrypt -i ours.key <body.age
	[ "$status" -eq 3 ]
	run --separate-stderr agetest decrypt -i ours.key <p
	[ "$status" -eq 4 ]
	[ "$stderr" = "agetest: age: not an age file" ]
}

@test "a truncated file fails, releasing only whole authenticated chunks" {
	inputs
	keys
	agetest encrypt -r "$OURS" <p-1000000 >c.age
	header=$(($(age_size 0 1) - 16))
	# truncated LEN STATUS RELEASED MESSAGE: c.age cut to LEN bytes fails
	# with STATUS and MESSAGE, after the first RELEASED bytes of plaintext.
	truncated() {
		head -c "$1" c.age >cut.age
		run --separate-stderr to d agetest decrypt -i ours.key <cut.age
		[ "$status" -eq "$2" ] || fail "cut at $1: status $status: $stderr"
		[ "$(stat -c %s d)" -eq "$3" ] || fail "cut at $1: $(stat -c %s d) bytes"
		head -c "$3" p-1000000 | cmp - d
		[ "$stderr" = "agetest: age: $4" ] || fail "cut at $1: $stderr"
	}
	truncated 0 4 0 "empty file"
	truncated 30 4 0 "header cut short"
	truncated $((header - 16)) 4 0 "file cut short after its header"
	truncated $((header - 1)) 4 0 "file cut short after its header"
	truncated "$header" 1 0 "file cut short: no payload"
	truncated $((header + 10)) 1 0 "chunk 0 cut short"
	truncated $((header + 1000)) 1 0 "chunk 0: authentication failed (the file was altered or cut short)"
	truncated $((header + CHUNK + 16)) 1 "$CHUNK" "file cut short: no final chunk"
	truncated $((header + 3 * (CHUNK + 16))) 1 $((3 * CHUNK)) "file cut short: no final chunk"
	truncated $((header + 3 * (CHUNK + 16) + 5)) 1 $((3 * CHUNK)) "chunk 3 cut short"
	truncated $(($(stat -c %s c.age) - 1)) 1 $((15 * CHUNK)) "chunk 15: authentication failed (the file was altered or cut short)"
}

@test "anything after the final chunk fails, full or short" {
	inputs
	keys
	# A full final chunk then a byte: it opens as final, then the byte fails.
	agetest encrypt -r "$OURS" <p-131072 >c.age
	{ cat c.age; printf 'x'; } >more.age
	run --separate-stderr to d agetest decrypt -i ours.key <more.age
	[ "$status" -eq 1 ]
	[ "$stderr" = "agetest: age: data after the final chunk" ]
	cmp d p-131072
	# A short final chunk then a byte: the byte is part of the chunk, which
	# then fails.
	agetest encrypt -r "$OURS" <p-65537 >c.age
	{ cat c.age; printf 'x'; } >more.age
	run --separate-stderr to d agetest decrypt -i ours.key <more.age
	[ "$status" -eq 1 ]
	[ "$stderr" = "agetest: age: chunk 1: authentication failed (the file was altered or cut short)" ]
	head -c "$CHUNK" p-65537 | cmp - d
	run --separate-stderr age -d -i ours.key -o /dev/null more.age
	[ "$status" -eq 1 ]
}

@test "passphrase files and work factors: one line, nothing empty, the cap at 2^22" {
	printf 'x\n' >p
	printf '' >empty
	printf '\n' >newline
	printf 'one\ntwo\n' >two
	printf 'one\000two\n' >nul
	printf 'pass\n' >pass
	for f in empty newline; do
		run --separate-stderr agetest encrypt -p "$f" <p
		[ "$status" -eq 1 ]
		[ "$stderr" = "agetest: $f: empty passphrase" ]
	done
	run --separate-stderr agetest encrypt -p two <p
	[ "$stderr" = "agetest: two: more than one line" ]
	run --separate-stderr agetest encrypt -p nul <p
	[ "$stderr" = "agetest: nul: NUL byte in the passphrase" ]
	run --separate-stderr agetest encrypt -p pass -w 23 <p
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "agetest: age: scrypt work factor 2^23 out of range (2^1 to 2^22)" ]
	# A passphrase without a line end is the same passphrase.
	printf 'pass' >bare
	agetest encrypt -p bare -w 10 <p >c.age
	[ "$(agetest decrypt -p pass <c.age)" = x ]
}

@test "keys and passphrases never appear in output or errors" {
	keys
	secret=$(grep ^AGE-SECRET ours.key)
	data=${secret#AGE-SECRET-KEY-1}
	printf 'hunter2-correct-horse\n' >pass
	printf 'hunter2-correct-horse\nsecond line\n' >pass2
	printf 'x\n' >p
	agetest encrypt -r "$OURS" <p >x.age
	agetest encrypt -p pass -w 10 <p >s.age
	other "$secret" >bad.key
	printf '%s\n' "${secret,,}" >lower.key
	printf '# comment\n%sZ\n' "$secret" >long.key
	{
		agetest pubkey bad.key
		agetest pubkey lower.key
		agetest pubkey long.key
		agetest encrypt -r "$secret" <p
		agetest encrypt -R ours.key <p
		agetest encrypt -p pass2 <p
		agetest decrypt -i bad.key <x.age
		agetest decrypt -i stock.key <x.age
		agetest decrypt -p pass2 <s.age
		printf 'wrong\n' >wrong
		agetest decrypt -p wrong <s.age
		agetest decrypt -i ours.key <s.age
		agetest encrypt -r "$OURS" -p pass <p
	} >all.out 2>&1 || true
	[ -s all.out ]
	! grep -qi "$data" all.out || fail "a secret key in: $(cat all.out)"
	! grep -q hunter2 all.out || fail "a passphrase in: $(cat all.out)"
	# Nor in the files we write (the header holds only the wrapped key).
	! grep -aqi "$data" x.age
	! grep -aq hunter2 s.age
}

@test "memory stays flat: 64 MiB in and out take what 1 MiB takes" {
	keys
	# rss SIZE: the peak RSS (KiB) of encrypting and of decrypting SIZE
	# zero bytes.  Compared with a small run, so that it holds under the
	# sanitizers too.
	rss() {
		truncate -s "$1" zeros
		/usr/bin/time -f %M -o enc.rss agetest encrypt -r "$OURS" <zeros >big.age
		/usr/bin/time -f %M -o dec.rss agetest decrypt -i ours.key <big.age >big.out
		[ "$(stat -c %s big.age)" -eq "$(age_size "$1" 1)" ]
		cmp big.out zeros
		echo "$(tail -n 1 enc.rss) $(tail -n 1 dec.rss)"
	}
	read -r enc_small dec_small <<<"$(rss 1M)"
	read -r enc_big dec_big <<<"$(rss 64M)"
	((enc_big - enc_small < 2048)) || fail "encrypt: $enc_small KiB, then $enc_big KiB"
	((dec_big - dec_small < 2048)) || fail "decrypt: $dec_small KiB, then $dec_big KiB"
}

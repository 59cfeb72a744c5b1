#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# dbhealth's alerts that reach people: mail through the sendmail interface
# (a recording stand-in for the exact message, and a real MTA, dma, into a
# local mailbox), reminders and recoveries under a fake clock, retries of a
# failed delivery, in --watch without a history file.  -w response_time=0
# makes a run degraded; -w buffer_pool_hit=none keeps a cold buffer pool
# from making an "ok" run warn.

# shellcheck disable=SC2154
load helper/common
load helper/one_server
load helper/httpd

# faketime preloads itself; under AddressSanitizer the runtime must then
# accept not being first (as in catalog.bats).
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

OK=(-w buffer_pool_hit=none)
BAD=(-w buffer_pool_hit=none -w response_time=0)

setup() {
	use_server main
	M=$BATS_TEST_TMPDIR
	# The stand-in records its arguments and the message, as sendmail -t
	# would read them.
	cat >"$M/sendmail" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$M/argv"
cat >>"$M/mail"
echo ==== >>"$M/mail"
EOF
	chmod +x "$M/sendmail"
	H=$M/history.jsonl
	export DB_MONITOR_SENDMAIL=$M/sendmail
}

# header NAME: the value of header NAME in the first message recorded.
header() {
	sed -n '/^$/q;p' "$M/mail" | sed -n "s/^$1: //p"
}

@test "mail: the exact message, through sendmail -t -oi, and the alert in the JSON" {
	run --separate-stderr dbhealth --json --alert-email ops@example.com \
		--alert-email dba@example.org,oncall@example.net "${BAD[@]}"
	assert_failure 1
	[ -z "$stderr" ]
	[ "$(cat "$M/argv")" = "-t
-oi" ]
	# The header: these lines, in this order, and nothing else.
	sed -n '/^$/q;p' "$M/mail" | sed 's/:.*//; s/^ .*/(folded)/' >"$M/names"
	[ "$(cat "$M/names")" = "To
(folded)
(folded)
Subject
Date
MIME-Version
Content-Type
Content-Transfer-Encoding
Auto-Submitted
X-Mailer" ]
	[ "$(sed -n '1,3p' "$M/mail")" = "To: ops@example.com,
 dba@example.org,
 oncall@example.net" ]
	[ "$(header Subject)" = "dbhealth: DEGRADED: default warning" ]
	[[ $(header Date) =~ ^[A-Z][a-z]{2},\ [0-9]{2}\ [A-Z][a-z]{2}\ 20[0-9]{2}\ [0-9:]{8}\ \+0000$ ]]
	[ "$(header Content-Type)" = "text/plain; charset=utf-8" ]
	[ "$(header Auto-Submitted)" = auto-generated ]
	# The body: the subject, the time, then the text report.
	body=$(sed '1,/^$/d' "$M/mail")
	[ "$(sed -n 1p <<<"$body")" = "dbhealth: DEGRADED: default warning" ]
	[[ $(sed -n 2p <<<"$body") == "Checked at "*Z. ]]
	grep -q '^status: degraded (1 target: 0 ok, 1 warning' <<<"$body"
	grep -q '^default  response_time  *warning' <<<"$body"
	# --json carries what was tried.
	[ "$(jq -c '.alert | [.due, .reason, .status, .previous]' <<<"$output")" = '[true,"problem","degraded",null]' ]
	[ "$(jq -c '.alert.deliveries' <<<"$output")" = '[{"channel":"email","to":"ops@example.com, dba@example.org, oncall@example.net","ok":true}]' ]
}

@test "mail: a server's string with newlines stays in the body, where it cannot add a header" {
	# The server's "Access denied for user '...'" repeats the user name,
	# newlines and all.
	run --separate-stderr dbhealth --alert-email ops@example.com "${OK[@]}" \
		-u $'x\nBcc: evil@example.com\nSubject: injected'
	assert_failure 2
	sed -n '/^$/q;p' "$M/mail" >"$M/head"
	! grep -qi 'bcc\|injected' "$M/head"
	[ "$(grep -c '^Subject:' "$M/head")" -eq 1 ]
	[ "$(header Subject)" = "dbhealth: CRITICAL: default critical" ]
	sed '1,/^$/d' "$M/mail" | grep -q "Access denied for user 'x"
	# Target names, which the subject holds, are plain words already.
	run --separate-stderr dbhealth --alert-email ops@example.com $'x\nBcc: a@b.com=/tmp/s'
	assert_failure 3
}

@test "mail settings: bad addresses and mail without an address are usage errors; an address alone sends nothing" {
	for bad in 'a@b.com, c@d@e' 'x@y.com>' 'evil@x.com
Bcc: a@b.com' '@x.com' 'a b@x.com' 'a@-x.com'; do
		run --separate-stderr env DB_MONITOR_ENABLE_EMAIL_ALERTS=true \
			DB_MONITOR_ALERT_EMAIL="$bad" dbhealth "${BAD[@]}"
		assert_failure 3
		[[ ${stderr_lines[0]} == "dbhealth: DB_MONITOR_ALERT_EMAIL: not a plain address (name@domain): '"*"'" ]]
	done
	run --separate-stderr env DB_MONITOR_ENABLE_EMAIL_ALERTS=true dbhealth "${BAD[@]}"
	assert_failure 3
	[[ $stderr == "dbhealth: DB_MONITOR_ENABLE_EMAIL_ALERTS: mail alerts need an address"* ]]
	# The address without DB_MONITOR_ENABLE_EMAIL_ALERTS=true: no mail.
	run --separate-stderr env DB_MONITOR_ALERT_EMAIL=ops@example.com dbhealth "${BAD[@]}"
	assert_failure 1
	[ ! -e "$M/mail" ]
	run --separate-stderr env DB_MONITOR_ENABLE_EMAIL_ALERTS=true \
		DB_MONITOR_ALERT_EMAIL='ops@example.com dba@example.org' dbhealth "${BAD[@]}"
	assert_failure 1
	[ "$(sed -n 2p "$M/mail")" = " dba@example.org" ]
}

@test "reminders every --alert-repeat while it lasts, a recovery when it ends, under a fake clock" {
	a=(--history "$H" --alert-email ops@example.com --alert-repeat 1h)
	dbhealth "${a[@]}" "${BAD[@]}" >/dev/null || true
	[ "$(grep -c '^Subject:' "$M/mail")" -eq 1 ]
	# The same status 30 minutes later: nothing.
	faketime -f '+30m' dbhealth "${a[@]}" "${BAD[@]}" >/dev/null || true
	[ "$(grep -c '^Subject:' "$M/mail")" -eq 1 ]
	[ "$(tail -1 "$H" | jq -c '.alert | [.due, .reason]')" = '[false,null]' ]
	# Two hours on: a reminder, saying for how long.
	faketime -f '+2h' dbhealth "${a[@]}" "${BAD[@]}" >/dev/null || true
	[ "$(grep '^Subject:' "$M/mail" | tail -1)" = "Subject: dbhealth: reminder: DEGRADED for 2h 0m: default warning" ]
	[ "$(tail -1 "$H" | jq -r .alert.reason)" = reminder ]
	# Half an hour after the reminder: nothing; an hour after: the next.
	faketime -f '+150m' dbhealth "${a[@]}" "${BAD[@]}" >/dev/null || true
	[ "$(grep -c '^Subject:' "$M/mail")" -eq 2 ]
	faketime -f '+181m' dbhealth "${a[@]}" "${BAD[@]}" >/dev/null || true
	[ "$(grep -c '^Subject:' "$M/mail")" -eq 3 ]
	# Back to ok: the recovery, with what changed.
	faketime -f '+190m' dbhealth "${a[@]}" "${OK[@]}" >/dev/null
	[ "$(grep '^Subject:' "$M/mail" | tail -1)" = "Subject: dbhealth: OK: default ok (was DEGRADED)" ]
	grep -q '^  default: warning -> ok$' "$M/mail"
	[ "$(tail -1 "$H" | jq -c '.alert | [.reason, .notified_at]')" = '["recovery",null]' ]
	# Ok stays quiet, whatever the time.
	faketime -f '+9h' dbhealth "${a[@]}" "${OK[@]}" >/dev/null
	[ "$(grep -c '^Subject:' "$M/mail")" -eq 4 ]
}

@test "a failed delivery is said on stderr and in --json, keeps the exit status, and is retried next run" {
	run --separate-stderr dbhealth --json --history "$H" --alert-email ops@example.com \
		--sendmail /bin/false "${BAD[@]}"
	assert_failure 1
	[ "$stderr" = "dbhealth: sendmail: exited with status 1" ]
	[ "$(jq -c '.alert.deliveries[0] | [.channel, .ok, .error]' <<<"$output")" = '["email",false,"sendmail: exited with status 1"]' ]
	[ "$(jq -c .alert.retry <<<"$output")" = '["email"]' ]
	# The next run sends it, saying so; the one after is quiet.
	dbhealth --history "$H" --alert-email ops@example.com "${BAD[@]}" >/dev/null || true
	[ "$(header Subject)" = "dbhealth: DEGRADED: default warning (sent again)" ]
	[ "$(tail -1 "$H" | jq -c '.alert | [.reason, .retry]')" = '["retry",[]]' ]
	dbhealth --history "$H" --alert-email ops@example.com "${BAD[@]}" >/dev/null || true
	[ "$(grep -c '^Subject:' "$M/mail")" -eq 1 ]
	# Only the channel that failed is tried again: the command ran once.
	rm -f "$H" "$M/mail"
	dbhealth --history "$H" --alert-email ops@example.com --sendmail /bin/false \
		--alert-command "echo run >>$M/cmd" "${BAD[@]}" >/dev/null 2>&1 || true
	dbhealth --history "$H" --alert-email ops@example.com \
		--alert-command "echo run >>$M/cmd" "${BAD[@]}" >/dev/null || true
	[ "$(cat "$M/cmd")" = run ]
	[ "$(grep -c '^Subject:' "$M/mail")" -eq 1 ]
}

@test "a sendmail that hangs is killed at --alert-timeout" {
	printf '#!/bin/sh\nexec sleep 30\n' >"$M/hang"
	chmod +x "$M/hang"
	SECONDS=0
	run --separate-stderr dbhealth --alert-email ops@example.com --sendmail "$M/hang" \
		--alert-timeout 1s "${BAD[@]}"
	assert_failure 1
	((SECONDS < 5))
	[ "$stderr" = "dbhealth: sendmail: no answer after 1000 ms: killed" ]
}

@test "--watch keeps the state in memory: a reminder without a history file" {
	run --separate-stderr dbhealth --watch 1100ms --count 3 --alert-repeat 1s \
		--alert-email ops@example.com "${BAD[@]}"
	assert_failure 1
	grep '^Subject:' "$M/mail" >"$M/subjects"
	[ "$(sed -n 1p "$M/subjects")" = "Subject: dbhealth: DEGRADED: default warning" ]
	[[ $(sed -n 2p "$M/subjects") == "Subject: dbhealth: reminder: DEGRADED for "*": default warning" ]]
	[ "$(wc -l <"$M/subjects")" -eq 3 ]
}

@test "a real MTA: dma delivers the alert into a local mailbox" {
	[ "$(id -u)" -eq 0 ] || skip "delivers to root's mailbox"
	[ "$(readlink -f /usr/sbin/sendmail)" = /usr/sbin/dma ] || skip "dma is not the system's sendmail"
	unset DB_MONITOR_SENDMAIL
	name=alert-$$-$RANDOM
	run --separate-stderr dbhealth --alert-email "root@$(cat /etc/mailname 2>/dev/null || hostname)" \
		"${BAD[@]}" "$name=$SOCK_main"
	assert_failure 1
	[ -z "$stderr" ]
	for _ in $(seq 50); do
		grep -q "^Subject: dbhealth: DEGRADED: $name warning$" /var/mail/root 2>/dev/null && break
		sleep 0.2
	done
	grep -q "^Subject: dbhealth: DEGRADED: $name warning$" /var/mail/root
}

@test "rates: aborted_connects per minute from the history's last run, its levels on the rate; a restart starts a new base" {
	a=(--json --history "$H" "${OK[@]}")
	run --separate-stderr dbhealth "${a[@]}"
	assert_success
	[ "$(jq -c '.targets[0].checks[] | select(.name == "aborted_connects") | [.status, .rate_per_min]' <<<"$output")" = '["ok",null]' ]
	[[ $(jq -r '.targets[0].checks[] | select(.name == "deadlocks") | .message' <<<"$output") == *" since the server started; a rate needs a previous run (--history or --watch)" ]]
	# Three failed logins, then a run a few seconds on: a rate, judged.
	for _ in 1 2 3; do
		mariadb --no-defaults -u nosuch -pwrong -S "$SOCK_main" -e 'SELECT 1' 2>/dev/null || true
	done
	sleep 2.2
	run --separate-stderr dbhealth "${a[@]}" -w aborted_connects=1 -c aborted_connects=100000
	assert_failure 1
	c=$(jq -c '.targets[0].checks[] | select(.name == "aborted_connects")' <<<"$output")
	[ "$(jq -r .status <<<"$c")" = warning ]
	rate=$(jq -r .rate_per_min <<<"$c")
	# 3 in 2 to 4 s of uptime: 45 to 90 a minute.
	awk -v r="$rate" 'BEGIN { exit !(r >= 44 && r <= 91) }'
	[[ $(jq -r .message <<<"$c") == *"/min above warning level 1/min over the last "*" s ("*" since the server started)" ]]
	# The server restarts: its totals start again, and so does the base.
	server_stop main --keep
	server_restart main
	run --separate-stderr dbhealth "${a[@]}" -w uptime=none
	[ "$status" -le 1 ]
	c=$(jq -c '.targets[0].checks[] | select(.name == "aborted_connects")' <<<"$output")
	[ "$(jq -c '[.status, .rate_per_min]' <<<"$c")" = '["ok",null]' ]
	[[ $(jq -r .message <<<"$c") == *"which restarted (or its counters were flushed) since the last run: a rate from the next run" ]]
	sleep 1.2
	run --separate-stderr dbhealth "${a[@]}" -w uptime=none
	[ "$(jq -c '.targets[0].checks[] | select(.name == "aborted_connects") | [.status, .rate_per_min]' <<<"$output")" = '["ok",0]' ]
}

# TLS, timeouts and redirects are webhook.bats's, on the module itself.
@test "webhooks: Slack's text, the report, a Teams card; a 500 is retried; the URL stays secret" {
	export HTTPD=$BATS_TEST_TMPDIR/httpd
	mkdir -p "$HTTPD"
	httpd_start plain record
	httpd_start fail status 500
	for name in plain fail; do
		httpd_wait "$name"
	done
	unset http_proxy https_proxy HTTPS_PROXY all_proxy ALL_PROXY
	secret=/services/T0SECRET/B0SECRET/tokenSECRETxyz
	# The text form: {"text": ...}, for Slack and Mattermost.
	run --separate-stderr dbhealth --json --alert-webhook "http://127.0.0.1:$PORT_plain$secret" "${BAD[@]}"
	assert_failure 1
	[ -z "$stderr" ]
	grep -q "^POST $secret HTTP/1.1" "$HTTPD/plain/1.head"
	grep -qi '^content-type: application/json' "$HTTPD/plain/1.head"
	[ "$(jq -r 'keys | join(",")' "$HTTPD/plain/1.body")" = text ]
	[ "$(jq -r .text "$HTTPD/plain/1.body" | sed -n 1p)" = "dbhealth: DEGRADED: default warning" ]
	[ "$(jq -c '.alert.deliveries[0] | [.channel, .to, .ok]' <<<"$output")" = "[\"webhook#1\",\"http://127.0.0.1:$PORT_plain/...\",true]" ]
	! grep -q SECRET <<<"$output"
	# The report form: the --json report with its alert.
	run --separate-stderr dbhealth --alert-webhook "http://127.0.0.1:$PORT_plain$secret" \
		--alert-webhook-format report "${BAD[@]}"
	assert_failure 1
	[ -z "$stderr" ]
	[ "$(jq -c '[.status, .alert.reason, .targets[0].name]' "$HTTPD/plain/2.body")" = '["degraded","problem","default"]' ]
	# A Teams Workflows webhook: an Adaptive Card.
	run --separate-stderr dbhealth --alert-webhook "http://127.0.0.1:$PORT_plain/teams" \
		--alert-webhook-format teams "${BAD[@]}"
	[ "$(jq -r '.type, .attachments[0].contentType, .attachments[0].content.type,
		.attachments[0].content.body[0].type' "$HTTPD/plain/3.body")" = "message
application/vnd.microsoft.card.adaptive
AdaptiveCard
TextBlock" ]
	[ "$(jq -r '.attachments[0].content.body[0].text' "$HTTPD/plain/3.body" | sed -n 1p)" = "dbhealth: DEGRADED: default warning" ]
	# A receiver that answers 500: the next run tries that webhook again,
	# and only it.
	run --separate-stderr dbhealth --history "$H" --alert-webhook "http://127.0.0.1:$PORT_fail$secret" \
		--alert-email ops@example.com "${BAD[@]}"
	assert_failure 1
	[[ $stderr == "dbhealth: webhook http://127.0.0.1:$PORT_fail/...: HTTP 500: "* ]]
	[ "$(tail -1 "$H" | jq -c .alert.retry)" = '["webhook#1"]' ]
	[ "$(grep -c '^Subject:' "$M/mail")" -eq 1 ]
	run --separate-stderr dbhealth --history "$H" --alert-webhook "http://127.0.0.1:$PORT_plain$secret" \
		--alert-email ops@example.com "${BAD[@]}"
	[ "$(tail -1 "$H" | jq -c '[.alert.reason, .alert.retry, [.alert.deliveries[].channel]]')" = '["retry",[],["webhook#1"]]' ]
	[ "$(grep -c '^Subject:' "$M/mail")" -eq 1 ]
	[[ $(jq -r .text "$HTTPD/plain/4.body") == "dbhealth: DEGRADED: default warning (sent again)"* ]]
	httpd_stop_all
}

@test "webhook settings: a URL that is not http or https is a usage error that does not show it" {
	run --separate-stderr dbhealth --alert-webhook 'file:///etc/passwd' "${BAD[@]}"
	assert_failure 3
	[ "${stderr_lines[0]}" = "dbhealth: DB_MONITOR_ALERT_WEBHOOK: not an http or https URL: 'file:///...'" ]
	run --separate-stderr env DB_MONITOR_ALERT_WEBHOOK='https://a.example/x,y https://b.example/z' \
		dbhealth --alert-webhook-format slack "${BAD[@]}"
	assert_failure 3
}

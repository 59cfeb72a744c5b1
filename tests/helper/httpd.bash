# SPDX-License-Identifier: ISC
#
# tests/helper/httpd.bash: tests/helper/httpd.py servers for a suite, in
# $HTTPD (the suite sets it): started in the background, waited for, and
# stopped by their pids (httpd_stop_all).

# httpd_start NAME ARGS...: tests/helper/httpd.py ARGS in the background,
# recording into $HTTPD/NAME.
httpd_start() {
	local name=$1
	shift
	mkdir -p "$HTTPD/$name"
	python3 "$BATS_TEST_DIRNAME/helper/httpd.py" --record "$HTTPD/$name" \
		--port-file "$HTTPD/$name.port" --timeout 120 "$@" \
		>/dev/null 2>"$HTTPD/$name.log" 3>&- &
	echo $! >"$HTTPD/$name.pid"
}

# httpd_wait NAME: waits for NAME's port (Python starts slowly on a busy
# machine) and exports it as PORT_NAME.
httpd_wait() {
	local i
	for ((i = 0; i < 300; i++)); do
		if [[ -s $HTTPD/$1.port ]]; then
			export "PORT_$1=$(cat "$HTTPD/$1.port")"
			return 0
		fi
		sleep 0.1
	done
	fail "httpd $1 did not start: $(cat "$HTTPD/$1.log")"
}

# httpd_stop_all: stops every server started in $HTTPD.
httpd_stop_all() {
	local pid
	for pid in "$HTTPD"/*.pid; do
		[[ -e $pid ]] && kill "$(cat "$pid")" 2>/dev/null
	done
	return 0
}

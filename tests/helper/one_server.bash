# SPDX-License-Identifier: ISC
#
# tests/helper/one_server.bash: for a suite whose tests all talk to one
# plain private server, "main": started once for the file, stopped after
# it, and made the current target (DB_* in the environment) for each test.
# Load it after helper/common.

setup_file() {
	server_start main
}

teardown_file() {
	server_stop_all
}

setup() {
	use_server main
}

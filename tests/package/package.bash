# SPDX-License-Identifier: ISC
#
# tests/package/package.bash: what the package suites share.  Loaded
# after ../helper/common.

TOP=$BATS_TEST_DIRNAME/../..

# package_found WHY: for setup_file: fails unless run as root (WHY says
# what needs it), and exports VERSION (the Makefile's) and DEB, the
# package make deb left in dist/.
package_found() {
	if ((EUID != 0)); then
		echo "${BATS_TEST_FILENAME##*/} $1: run it as root" >&2
		return 1
	fi
	VERSION=$(sed -n 's/^VERSION = //p' "$TOP/Makefile")
	DEB=$(cd "$TOP" && pwd)/dist/dbkit_${VERSION}_$(dpkg --print-architecture).deb
	[[ -f $DEB ]] || { echo "no $DEB: run make deb" >&2; return 1; }
	export VERSION DEB
}

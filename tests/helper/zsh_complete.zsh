#!/usr/bin/env zsh
# SPDX-License-Identifier: ISC
#
# tests/helper/zsh_complete.zsh DIR LINE...: what zsh's completion system
# offers when Tab is pressed at the end of each LINE, with the completion
# functions of DIR first in fpath: for each LINE a header "@@ LINE", then
# its matches, one a line, sorted, as tests/helper/zsh_capture.zsh writes
# them (the match, then a tab and its description when it has one).
#
# One interactive zsh -f runs in a pseudo-terminal (zsh/zpty), so the line
# editor and the completion widgets are the real ones.  Each line is typed,
# then Tab, then the line is killed and a command prints a marker, which
# comes out only once the completion has run, since the shell reads its
# input in order.

zmodload zsh/zpty || exit 1
dir=${1:a}
shift
capture=$(mktemp) || exit 1
trap 'rm -f $capture; zpty -d dbkit 2>/dev/null' EXIT

zpty dbkit "DBKIT_CAPTURE=${(q)capture} zsh -f -i"
zpty -w dbkit "fpath=(${(q)dir} \$fpath); source ${(q)${0:a:h}}/zsh_capture.zsh"
# Wait for the line editor: zsh throws away what is typed before it starts.
zpty -r -m dbkit out '*<prompt>*' >/dev/null || exit 1
integer n=0
for line; do
	: >$capture
	zpty -w -n dbkit "$line"$'\t\C-u'
	# The escapes become <done N> in the output only, not in the typed line.
	zpty -w dbkit "print '\\x3cdone $((++n))\\x3e'"
	zpty -r -m dbkit out "*<done $n>*" >/dev/null || exit 1
	print -r -- "@@ $line"
	sort -u $capture
done

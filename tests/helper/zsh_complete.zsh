#!/usr/bin/env zsh
# SPDX-License-Identifier: ISC
#
# tests/helper/zsh_complete.zsh DIR LINE: what zsh's completion system
# offers when Tab is pressed at the end of LINE, with the completion
# functions of DIR first in fpath: one match a line, sorted, as
# tests/helper/zsh_capture.zsh writes them.  An interactive zsh -f runs
# in a pseudo-terminal (zsh/zpty), so the line editor and the completion
# widgets are the real ones; the line is typed, then Tab, then the line is
# killed and a command prints a marker, which comes out only once the
# completion has run, since the shell reads its input in order.

zmodload zsh/zpty || exit 1
dir=${1:a} line=$2
capture=$(mktemp) || exit 1
trap 'rm -f $capture; zpty -d dbkit 2>/dev/null' EXIT

zpty dbkit "DBKIT_CAPTURE=${(q)capture} zsh -f -i"
zpty -w dbkit "fpath=(${(q)dir} \$fpath); source ${(q)${0:a:h}}/zsh_capture.zsh"
# Wait for the line editor: zsh throws away what is typed before it starts.
zpty -r -m dbkit out '*<prompt>*' >/dev/null || exit 1
zpty -w -n dbkit "$line"$'\t\C-u'
# The escapes become <done> in the output only, not in the typed line.
zpty -w dbkit "print '\\x3cdone\\x3e'"
zpty -r -m dbkit out "*<done>*" >/dev/null || exit 1
sort -u $capture

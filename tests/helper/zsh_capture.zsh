# SPDX-License-Identifier: ISC
#
# tests/helper/zsh_capture.zsh: sourced by the interactive zsh that
# tests/helper/zsh_complete.zsh drives through a pseudo-terminal.  Tab runs
# the real completion system (compinit, _main_complete, the _dbkit under
# test) and, instead of inserting or listing, every match it adds is
# appended to $DBKIT_CAPTURE, one a line: the match, its suffix (compadd
# -S) and, after a tab, its description when it has one.  compadd is
# wrapped by a function of the same name, which takes precedence over the
# builtin: the matches are asked of the builtin itself (-A, after the
# matching against the line; -D drops the descriptions of the words that
# do not match), then it adds them as asked.

PS1='<prompt>'
# Descriptions as long as they are, not cut to a terminal's width.
COLUMNS=1000
autoload -Uz compinit
# A dump of the functions found, when the caller keeps one: compinit
# reads fpath's directories only when there is none yet.
if [[ -n ${DBKIT_ZCOMPDUMP-} ]]; then
	compinit -u -d $DBKIT_ZCOMPDUMP
else
	compinit -u -D
fi

compadd() {
	# Calls that only ask (-O, -A, -D) are not additions.
	if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
		builtin compadd "$@"
		return
	fi
	local -a __hits __descr __sopt __popt __Popt
	local __d __i
	if (( $@[(I)-d] )); then
		__d=${@[$@[(i)-d] + 1]}
		if [[ $__d == \(* ]]; then
			eval "__descr=$__d"
		else
			__descr=("${(@P)__d}")
		fi
	fi
	zparseopts -E S:=__sopt p:=__popt P:=__Popt 2>/dev/null
	builtin compadd -A __hits -D __descr "$@"
	for (( __i = 1; __i <= $#__hits; __i++ )); do
		print -r -- "${__popt[2]-}${__Popt[2]-}$__hits[__i]${__sopt[2]-}${__descr[__i]:+	${__descr[__i]#*-- }}" >>$DBKIT_CAPTURE
	done
	builtin compadd "$@"
}

_dbkit_capture() {
	_main_complete
	compstate[insert]=''
	compstate[list]=''
}
zle -C dbkit-capture complete-word _dbkit_capture
bindkey '^I' dbkit-capture

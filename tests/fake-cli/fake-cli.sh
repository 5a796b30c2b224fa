# tests/fake-cli/fake-cli.sh
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The body of the fake `claude`, `gemini` and `codex` that test-run puts
# first on PATH. Each of them sources this file, so $0 and "$@" are the
# ones the runner gave. POSIX sh, no bashisms: /bin/sh is dash on Debian.
#
# It parses its command line like the real CLI would:
#   claude -p PROMPT [--output-format json|text]
#   gemini -p PROMPT
#   codex exec            (the prompt on stdin)
# and answers with the prompt it was given (or FAKE_CLI_OUTPUT).
#
# Every invocation is recorded in $FAKE_CLI_RECORD_DIR (when set), under
# the step instance the runner names in TROUPE_STEP_ID, with characters
# other than [A-Za-z0-9_] turned into '_' ("fan[2]" -> "fan_2_"):
#   <sid>.calls       one line per invocation ("<name> <pid>"), appended
#   <sid>.<n>.argv    the arguments after $0 of the n-th invocation (1-based),
#                     each followed by a NUL byte
#   <sid>.<n>.stdin   what it read on stdin
#   <sid>.<n>.grandchild  the pid of its grandchild (FAKE_CLI_GRANDCHILD)
#   calls             one line per invocation of any step ("<name> <sid> <n>")
#
# Behaviour comes from the environment. Each variable may also be given for
# one step only, with "_<sid>" appended (FAKE_CLI_FAIL_TIMES_review=2); the
# step's own value wins.
#   FAKE_CLI_SLEEP       seconds to sleep before answering (fractions allowed)
#   FAKE_CLI_FAIL_TIMES  fail (exit 1) on the first N invocations of the step
#   FAKE_CLI_HANG        never answer (sleeps until it is killed)
#   FAKE_CLI_GRANDCHILD  leave a background process running in the group
#   FAKE_CLI_BIG_MB      print N MiB of 64-byte lines instead of the answer
#   FAKE_CLI_JSON        answer with JSON like `claude --output-format json`
#                        (also when --output-format json is on the command line)
#   FAKE_CLI_OUTPUT      the answer, instead of the prompt
#   FAKE_CLI_EXIT        the exit status after answering (default 0)

fake_name=${0##*/}
fake_dir=${FAKE_CLI_RECORD_DIR:-}
fake_step=${TROUPE_STEP_ID:-unknown}
fake_sid=$(printf '%s' "$fake_step" | tr -c 'A-Za-z0-9_' '_')

# Replaces $1 by its per-step variant when that is set.
fake_setting ()
{
  eval "if [ \"\${$1_$fake_sid+set}\" = set ]; then $1=\${$1_$fake_sid}; fi"
}

for fake_var in FAKE_CLI_SLEEP FAKE_CLI_FAIL_TIMES FAKE_CLI_HANG FAKE_CLI_GRANDCHILD \
                FAKE_CLI_BIG_MB FAKE_CLI_JSON FAKE_CLI_OUTPUT FAKE_CLI_EXIT
do
  fake_setting "$fake_var"
done

fake_usage ()
{
  printf '%s: %s\n' "$fake_name" "$1" >&2
  exit 2
}

# Recording comes first, so that even a command line the fake refuses is
# on record. Appends are atomic, so concurrent invocations (and an orphan
# of a killed runner) never lose a line.
fake_n=0
fake_stdin=/dev/null
if [ -n "$fake_dir" ]
then
  mkdir -p "$fake_dir"
  printf '%s %s\n' "$fake_name" "$$" >> "$fake_dir/$fake_sid.calls"
  fake_n=$(wc -l < "$fake_dir/$fake_sid.calls")
  fake_n=$((fake_n + 0))
  printf '%s %s %s\n' "$fake_name" "$fake_sid" "$fake_n" >> "$fake_dir/calls"
  fake_rec=$fake_dir/$fake_sid.$fake_n
  printf '%s\0' "$@" > "$fake_rec.argv"
  cat > "$fake_rec.stdin"
  fake_stdin=$fake_rec.stdin
else
  fake_stdin=$(mktemp)
  cat > "$fake_stdin"
fi

# The command line, as the real CLIs read it.
fake_prompt=
fake_have_prompt=
fake_json=${FAKE_CLI_JSON:-}
case $fake_name in
  claude|gemini)
    while [ $# -gt 0 ]
    do
      case $1 in
        -p|--prompt)
          [ $# -ge 2 ] || fake_usage "$1 needs a value"
          fake_prompt=$2
          fake_have_prompt=1
          shift 2
          ;;
        --output-format)
          [ $# -ge 2 ] || fake_usage "--output-format needs a value"
          [ "$fake_name" = claude ] || fake_usage "unknown option --output-format"
          case $2 in
            json) fake_json=1 ;;
            text) ;;
            *) fake_usage "unknown output format '$2'" ;;
          esac
          shift 2
          ;;
        *)
          fake_usage "unexpected argument '$1'"
          ;;
      esac
    done
    [ -n "$fake_have_prompt" ] || fake_usage "no prompt: use -p PROMPT"
    ;;
  codex)
    [ "${1:-}" = exec ] || fake_usage "the first argument must be 'exec'"
    [ $# -eq 1 ] || fake_usage "unexpected arguments after 'exec'"
    ;;
  *)
    fake_usage "unknown fake CLI"
    ;;
esac

if [ -n "${FAKE_CLI_GRANDCHILD:-}" ]
then
  # Same process group (no job control in a script); it keeps the stdout
  # pipe open too, as a forgotten daemon would.
  sleep 30 &
  if [ -n "$fake_dir" ]
  then
    echo $! > "$fake_rec.grandchild"
  fi
fi

if [ -n "${FAKE_CLI_SLEEP:-}" ]
then
  sleep "$FAKE_CLI_SLEEP"
fi

if [ -n "${FAKE_CLI_HANG:-}" ]
then
  # Bounded, so that a broken test leaves nothing behind for long.
  sleep 60
  exit 3
fi

if [ -n "${FAKE_CLI_FAIL_TIMES:-}" ] && [ "$fake_n" -le "$FAKE_CLI_FAIL_TIMES" ]
then
  printf '%s: failing on purpose (invocation %s of %s that fail)\n' \
         "$fake_name" "$fake_n" "$FAKE_CLI_FAIL_TIMES" >&2
  exit 1
fi

printf '%s: answering for %s\n' "$fake_name" "$fake_step" >&2

if [ -n "${FAKE_CLI_BIG_MB:-}" ]
then
  yes 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde \
    | head -c $((FAKE_CLI_BIG_MB * 1048576))
elif [ -n "$fake_json" ]
then
  printf '{"type":"result","subtype":"success","is_error":false,"result":"answer of %s","total_cost_usd":0.0123,"usage":{"input_tokens":100,"output_tokens":20}}\n' \
         "$fake_sid"
elif [ "${FAKE_CLI_OUTPUT+set}" = set ]
then
  printf '%s\n' "$FAKE_CLI_OUTPUT"
elif [ "$fake_name" = codex ]
then
  cat "$fake_stdin"
else
  printf '%s\n' "$fake_prompt"
fi

[ -n "$fake_dir" ] || rm -f "$fake_stdin"
exit "${FAKE_CLI_EXIT:-0}"

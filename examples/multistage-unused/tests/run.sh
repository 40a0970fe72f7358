#!/bin/sh
# Tiny test suite for wordfreq: each case feeds stdin and compares stdout.
set -eu
bin=${1:-./wordfreq}
fail=0

check() {
    name=$1 input=$2 expected=$3
    shift 3
    actual=$(printf '%s' "$input" | "$bin" "$@")
    if [ "$actual" = "$expected" ]; then
        echo "ok   $name"
    else
        echo "FAIL $name: expected [$expected], got [$actual]"
        fail=1
    fi
}

check "empty input" "" ""
check "one word" "hello" "      1 hello"
check "case folding" "Go go GO" "      3 go"
check "ties sort by word" "b a" "      1 a
      1 b"
check "limit" "a a b c" "      2 a" -n 1

exit $fail

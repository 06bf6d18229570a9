#!/bin/sh
# End-to-end: inputs that are not regular files (a FIFO, /dev/zero, a
# socket, a directory where a file is expected, and such an entry inside a
# directory of snapshots) are refused at once by every subcommand that
# reads snapshots: exit 2, one line of stderr naming the file, nothing
# written.  Each run has a timeout, so a command that blocks on the FIFO
# fails the test instead of hanging it.
# Usage: nonregular_inputs.sh BBX CORPUS_DIR
set -u
bbx=$1
corpus=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

good=$corpus/request.snap
mkdir "$dir/d" "$dir/dev" "$dir/sub" "$dir/sock"
cp "$good" "$dir/d/a.bbx"
mkfifo "$dir/d/z.bbx"              # a FIFO among good snapshots
mkfifo "$dir/fifo.bbx"             # a FIFO named directly
ln -s /dev/zero "$dir/dev/zero.bbx" # a device among snapshots
mkdir "$dir/sub/inner.bbx"         # a directory named like a snapshot
cp "$good" "$dir/sub/a.bbx"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
    "$dir/sock/s.bbx" || fail "cannot make a socket"

# expect WHAT NAME ARGS...: bbx ARGS exits 2 promptly with one line of
# stderr that names NAME and says it is not a regular file (WHAT).
expect() {
    what=$1
    name=$2
    shift 2
    timeout -k 5 20 "$bbx" "$@" >"$dir/out" 2>"$dir/err"
    rc=$?
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        fail "bbx $*: did not return (blocked on $name)"
        return
    fi
    [ $rc -eq 2 ] || fail "bbx $*: exit $rc, want 2 ($(head -c 300 "$dir/err"))"
    [ "$(wc -l <"$dir/err")" -eq 1 ] || fail "bbx $*: stderr is not one line: $(cat "$dir/err")"
    grep -qF -- "$name: not a regular file ($what)" "$dir/err" ||
        fail "bbx $*: stderr does not say '$name: not a regular file ($what)': $(cat "$dir/err")"
}

f=$dir/fifo.bbx
d=$dir/d
z=$dir/d/z.bbx
for cmd in show leaks flame; do
    expect fifo "$f" $cmd "$f"
done
expect fifo "$f" show --json "$f"
expect fifo "$f" leaks --json "$f"
expect fifo "$f" flame --format svg "$f"
expect fifo "$z" show "$z"
expect directory "$d" show "$d"
expect fifo "$z" leaks "$d"
expect fifo "$f" leaks "$d/a.bbx" "$f"
expect fifo "$z" flame "$d"
expect fifo "$z" flame --what fd-origins "$d"
expect fifo "$f" report -o "$dir/page.html" "$f"
expect fifo "$z" report -o "$dir/page.html" "$d"
[ -e "$dir/page.html" ] && fail "bbx report wrote a page from bad input"
expect fifo "$f" diff "$f" "$d/a.bbx"
expect fifo "$f" diff "$d/a.bbx" "$f"
expect fifo "$z" diff "$d/a.bbx" "$d"
expect fifo "$f" diff --suppress "$f" "$d/a.bbx" "$d/a.bbx"
expect fifo "$f" scrub "$f" -o "$dir/scrubbed.bbx"
[ -e "$dir/scrubbed.bbx" ] && fail "bbx scrub wrote a copy of a FIFO"

expect "character device" /dev/zero show /dev/zero
expect "character device" /dev/zero leaks /dev/zero
expect "character device" "$dir/dev/zero.bbx" leaks "$dir/dev"
expect "character device" "$dir/dev/zero.bbx" report -o "$dir/page.html" "$dir/dev"
expect socket "$dir/sock/s.bbx" show "$dir/sock/s.bbx"
expect socket "$dir/sock/s.bbx" flame "$dir/sock"
expect directory "$dir/sub/inner.bbx" leaks "$dir/sub"
expect directory "$dir/sub/inner.bbx" show "$dir/sub/inner.bbx"

# The good file next to them still reads.
timeout -k 5 20 "$bbx" show "$d/a.bbx" >/dev/null 2>&1 || fail "bbx show of a good file"

[ $failed -eq 0 ] || exit 1
echo "ok"

# shellcheck shell=sh
# skip.sh - tests/testlib/skip.py for sh, sourced by shell tests:
#   . "$(dirname "$0")/../testlib/skip.sh"
#   bbx_require_tool python3 "Debian package python3"
#   [ -w /dev/full ] || bbx_skip "/dev/full" "the kernel's full device"
# Locally: one line "SKIP: WHAT is missing (PROVIDER)" and exit 77 (ctest's
# SKIP_RETURN_CODE; scripts/test.sh lists it).  Under CI (CI=true or 1):
# "FAIL: ..." and exit 1.

bbx_in_ci() {
    case $(printf '%s' "${CI:-}" | tr '[:upper:]' '[:lower:]') in
    true | 1 | yes) return 0 ;;
    *) return 1 ;;
    esac
}

bbx_skip() {
    if bbx_in_ci; then
        echo "FAIL: $1 is missing ($2); CI=true: a test that cannot run fails"
        exit 1
    fi
    echo "SKIP: $1 is missing ($2)"
    exit 77
}

bbx_require_tool() {
    command -v "$1" >/dev/null 2>&1 || bbx_skip "$1 (not on PATH)" "$2"
}

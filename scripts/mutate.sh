#!/bin/sh
# Mutation check, run by hand (not in CI: it rebuilds once per mutation).
# Plants each small bug listed in scripts/mutations.txt, one at a time, in a
# copy of the tree (uncommitted edits included), rebuilds it (release, no
# -Werror) and runs the whole ctest suite with CI=true; a bug no test notices
# is a survivor.  Prints a table (also written to WORKDIR/results.md) and exits
# 0 when every bug was caught, 1 when one survived or did not build.
# Usage: scripts/mutate.sh [--list] [--only ID,...] [--jobs N]
#                          [--workdir DIR] [--no-baseline] [--all-tests]
# Needs what scripts/install-deps.sh installs; the tree itself is not touched.
set -eu
cd "$(dirname "$0")/.."
exec python3 scripts/mutate.py "$@"

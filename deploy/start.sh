#!/bin/sh
# The container's start-up: migrate, seed (adds only what is missing), then exec gunicorn.
#
# This shell is PID 1 until gunicorn replaces it. A SIGTERM (docker stop) during start-up lets
# the running step finish — each migration and the seed are one transaction, so a kill would
# lose nothing, but the step would have to run again at the next start — and then exits 0
# instead of serving.
# `START_STEPS=serve` skips the first two (the Compose stack migrates in a service of its own).
set -eu

stopping=0
trap 'stopping=1' TERM INT

step() {
    "$@" &
    child=$!
    while :; do
        status=0
        wait "$child" || status=$?
        # A trapped signal interrupts `wait` while the step runs on: wait for it again.
        kill -0 "$child" 2>/dev/null || break
    done
    [ "$status" = 0 ] || exit "$status"
    if [ "$stopping" = 1 ]; then
        echo "start.sh: stopped during start-up, after: $*" >&2
        exit 0
    fi
}

if [ "${START_STEPS:-migrate,seed,serve}" != serve ]; then
    step flask db upgrade
    step flask seed
fi
exec gunicorn --config gunicorn.conf.py "api:create_app()"

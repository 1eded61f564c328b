#!/bin/sh
# A rolling upgrade of the Compose stack (compose.yaml), one app at a time, so that nginx always
# has an app to send requests to: build the new image; migrate (and seed what is missing) with
# it while the old apps serve; recreate app1 and wait until it is healthy; then app2. So each
# migration must keep the code before it working (add now, remove in a later release).
#
#   deploy/upgrade.sh            (COMPOSE="docker-compose" for Debian's Compose 1)
set -eu
compose=${COMPOSE:-docker compose}
docker=${DOCKER:-docker}
wait_seconds=${UPGRADE_WAIT_SECONDS:-90}

healthy() {  # SERVICE: waits until its container's health check passes
  id=$($compose ps -q "$1")
  waited=0
  until [ "$($docker inspect -f '{{.State.Health.Status}}' "$id")" = healthy ]; do
    if [ "$waited" -ge "$wait_seconds" ]; then
      echo "upgrade: $1 is not healthy after ${wait_seconds} s; the other app still serves" >&2
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

$compose build
$compose run --rm migrate
for app in app1 app2; do
  $compose up -d --no-deps "$app"
  healthy "$app"
  echo "upgrade: $app is healthy"
done

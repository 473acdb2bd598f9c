#!/bin/sh
# One-shot job of docker-compose.yml (service temporal-namespace, image temporalio/admin-tools): waits until the
# Temporal server answers, then creates the namespace hostwatch uses unless it exists. Safe to run again.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required (host:port of the Temporal frontend)}"
: "${NAMESPACE:?NAMESPACE is required (the TEMPORAL_NAMESPACE hostwatch uses)}"
RETENTION="${NAMESPACE_RETENTION:-24h}"   # what temporalio/auto-setup used
ATTEMPTS="${NAMESPACE_WAIT_ATTEMPTS:-60}"   # 2 s apart

i=1
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  if [ "$i" -ge "$ATTEMPTS" ]; then
    echo "namespace: Temporal at $TEMPORAL_ADDRESS is not healthy after $ATTEMPTS attempts" >&2
    exit 1
  fi
  i=$((i + 1))
  sleep 2
done

i=1
while :; do
  if temporal operator namespace describe --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; then
    echo "namespace: $NAMESPACE exists"
    exit 0
  fi
  if temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" --address "$TEMPORAL_ADDRESS"; then
    echo "namespace: $NAMESPACE created"
    exit 0
  fi
  if [ "$i" -ge "$ATTEMPTS" ]; then
    echo "namespace: could not create $NAMESPACE at $TEMPORAL_ADDRESS after $ATTEMPTS attempts" >&2
    exit 1
  fi
  i=$((i + 1))
  sleep 2
done

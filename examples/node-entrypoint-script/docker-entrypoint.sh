#!/bin/sh
# Checks what the start-up needs, then runs the command.
set -e
if curl --version >/dev/null 2>&1; then
  echo "curl: available"
else
  echo "curl: missing"
fi
exec "$@"

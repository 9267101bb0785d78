#!/usr/bin/env bash
# Print one fresh access token (client_credentials, scope read) from the reference server.
# Usage: token.sh http://127.0.0.1:3290
set -euo pipefail
base="${1:?usage: token.sh BASE_URL}"
curl -sS --fail -X POST "$base/token" \
  -d grant_type=client_credentials -d scope=read \
  -d client_id=bench -d client_secret=bench-secret |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'

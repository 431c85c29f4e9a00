#!/usr/bin/env bash
# Fetch GitHub's real data (webhook examples, REST OpenAPI description) from the npm registry
# into .morningai/fixtures. Nothing of it is committed; tests read it from there.
set -euo pipefail
dest="${1:-.morningai/fixtures}"
mkdir -p "$dest"
fetch() {  # name version subdir
  local name=$1 version=$2 sub=$3
  if [ -f "$dest/$sub/.version" ] && [ "$(cat "$dest/$sub/.version")" = "$version" ]; then
    return
  fi
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$name@$version" >/dev/null)
  rm -rf "${dest:?}/$sub" && mkdir -p "$dest/$sub"
  tar xzf "$tmp"/*.tgz -C "$dest/$sub" --strip-components=1
  echo "$version" > "$dest/$sub/.version"
  rm -rf "$tmp"
  echo "fetched $name@$version"
}
fetch @octokit/webhooks-examples 7.6.1 webhooks-examples
fetch @octokit/openapi 23.0.2 openapi

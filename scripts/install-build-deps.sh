#!/usr/bin/env bash
# Installs what builds the export reader's C fast path (a C compiler, the SQLite headers)
# when missing. Without them the package still installs; imports take the slower SQL path.
set -euo pipefail

packages=()
command -v gcc >/dev/null 2>&1 || packages+=(gcc libc6-dev)
[ -e /usr/include/sqlite3.h ] || packages+=(libsqlite3-dev)

if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "warning: missing ${packages[*]} (no apt-get): the C fast paths will not be built (each falls back to its Python and SQL path)" >&2
  exit 0
fi
bash "$(dirname "$0")/apt-install.sh" "build dependencies" "${packages[@]}"

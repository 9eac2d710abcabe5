#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when they are missing:
# chromium (end-to-end browser tests) and Mono (compiles and runs the C# client's tests).
set -euo pipefail

packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
command -v mcs >/dev/null 2>&1 || packages+=(mono-mcs)
command -v mono >/dev/null 2>&1 || packages+=(mono-runtime)
[ -e /usr/lib/mono/4.5/System.Net.Http.dll ] || packages+=(libmono-system-net-http4.0-cil)
[ -e /usr/lib/mono/4.5/Mono.Data.Sqlite.dll ] || packages+=(libmono-sqlite4.0-cil libsqlite3-0)
[ -e /usr/lib/mono/4.5/System.Data.dll ] || packages+=(libmono-system-data4.0-cil)

if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi
echo "installing test dependencies: ${packages[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}"

#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when they are missing:
# chromium and its headless shell (end-to-end browser tests), Mono (compiles and runs the C# client's tests) and
# nginx (checks the production proxy's configuration, deploy/nginx.conf).
set -euo pipefail

packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
[ -x /usr/bin/chromium-headless-shell ] || packages+=(chromium-headless-shell)
command -v mcs >/dev/null 2>&1 || packages+=(mono-mcs)
command -v mono >/dev/null 2>&1 || packages+=(mono-runtime)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || packages+=(nginx-light)
[ -e /usr/lib/mono/4.5/System.Net.Http.dll ] || packages+=(libmono-system-net-http4.0-cil)
[ -e /usr/lib/mono/4.5/Mono.Data.Sqlite.dll ] || packages+=(libmono-sqlite4.0-cil libsqlite3-0)
[ -e /usr/lib/mono/4.5/System.Data.dll ] || packages+=(libmono-system-data4.0-cil)

if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi
bash "$(dirname "$0")/apt-install.sh" "test dependencies" "${packages[@]}"

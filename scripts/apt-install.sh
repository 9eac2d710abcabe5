#!/usr/bin/env bash
# apt-install.sh WHAT PACKAGE...: installs Debian packages (as root, or with sudo).
set -euo pipefail

what=$1
shift
echo "installing $what: $*"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$@"

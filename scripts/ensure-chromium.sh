#!/usr/bin/env bash
# The status page's browser test drives Debian's Chromium (/usr/bin/chromium,
# or CHROMIUM_PATH). Installs the `chromium` package when it is missing, with
# sudo when not root; exits non-zero, naming what failed, if it cannot.
set -euo pipefail
browser=${CHROMIUM_PATH:-/usr/bin/chromium}
[ -x "$browser" ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "chromium: $browser is missing and apt-get is not available; install Chromium and set CHROMIUM_PATH" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
echo "chromium: $browser is missing; installing Debian's chromium package"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

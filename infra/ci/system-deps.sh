#!/bin/sh
# Installs the Debian packages the test suite needs, once, when we are allowed to.
# chromium: headless browser tests; fonts-noto-*: so screenshots of Punjabi, Hindi
# and Chinese pages show glyphs, not boxes; wrk: load benchmarks.
set -eu
need=""
[ -x /usr/bin/chromium ] || need="$need chromium"
dpkg -s fonts-noto-core >/dev/null 2>&1 || need="$need fonts-noto-core"
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need="$need fonts-noto-cjk"
[ -n "$need" ] || exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: cannot install$need here (not root with apt); browser tests will skip"
  exit 0
fi
echo "system-deps: installing$need"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >/dev/null

#!/bin/sh
# Installs the Debian packages the test suite needs, once, when we are allowed to.
# chromium: headless browser tests; fonts-noto-*: so screenshots of Punjabi, Hindi
# and Chinese pages show glyphs, not boxes; wrk: load benchmarks.
# nginx (nginx -t), prometheus (promtool) and postgresql-client (pg_dump, pg_restore):
# tests/infra checks the proxy configuration and the alert rules, and runs the restore drill.
set -eu
need=""
[ -x /usr/bin/chromium ] || need="$need chromium"
dpkg -s fonts-noto-core >/dev/null 2>&1 || need="$need fonts-noto-core"
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need="$need fonts-noto-cjk"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need="$need nginx"
command -v promtool >/dev/null 2>&1 || need="$need prometheus"
command -v pg_restore >/dev/null 2>&1 || need="$need postgresql-client"
[ -n "$need" ] || exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: cannot install$need here (not root with apt); the tests that need them will skip"
  exit 0
fi
echo "system-deps: installing$need"
export DEBIAN_FRONTEND=noninteractive
# nginx and prometheus are daemons: we want their binaries, not running services. Without a policy
# that says so, their install scripts would start them.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >/dev/null

#!/bin/sh
# Creates the secret files infra/compose.yaml reads, with fresh random values, and signalement.env from
# its example. Never overwrites a file that exists: rerunning it is safe, and rotating a key is a
# deliberate edit (docs/configuration.md: key lists are newest first, keep the old ids).
#
#   sh infra/make-secrets.sh [DIR]      DIR defaults to infra/secrets beside this script
#
# The directory is mode 0700 (no other host user can reach the files). The files are 0444 because each
# container reads its secrets as its own user (app 10001, nginx 101, postgres 70, valkey 999) and compose
# bind-mounts them with the host's permission bits.
# The Twilio files get placeholders to replace; the TLS pair is a self-signed certificate for a first
# trial on localhost: replace it with the real one before anyone reports.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here/secrets}
umask 077
mkdir -p "$dir"
chmod 700 "$dir"

random() {  # $1 bytes, base64url without padding
  python3 -c "import base64,os,sys; print(base64.urlsafe_b64encode(os.urandom(int(sys.argv[1]))).decode().rstrip('='))" "$1"
}

put() {  # put NAME VALUE: write once, readable by the container users
  [ -e "$dir/$1" ] && return 0
  printf '%s\n' "$2" > "$dir/$1"
  chmod 444 "$dir/$1"
  echo "make-secrets: wrote $1"
}

kid="k$(date -u +%Y%m%d)"
for name in pepper_keys blind_index_keys form_keys audit_keys followup_mac_keys staff_keys worker_keys; do
  put "$name" "$kid:$(random 32)"
done
put metrics_token "$(random 32)"

if [ ! -e "$dir/postgres_password" ]; then
  pg=$(random 24)
  put postgres_password "$pg"
  put database_url "postgresql+asyncpg://signalement:$pg@postgres:5432/signalement"
fi
if [ ! -e "$dir/valkey_acl" ]; then
  vk=$(random 24)
  put valkey_acl "user default on >$vk ~* &* +@all"
  put redis_url "redis://default:$vk@valkey:6379/0"
fi

put twilio_auth_token "replace-with-the-twilio-auth-token"
put twilio_account_sid "ACreplace-with-the-twilio-account-sid"

if [ ! -e "$dir/tls.crt" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
    -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
  chmod 444 "$dir/tls.key" "$dir/tls.crt"
  echo "make-secrets: wrote a self-signed tls.crt/tls.key for localhost (replace before going live)"
fi

if [ "$dir" = "$here/secrets" ] && [ ! -e "$here/signalement.env" ]; then
  cp "$here/signalement.env.example" "$here/signalement.env"
  echo "make-secrets: wrote signalement.env from the example; edit it"
fi

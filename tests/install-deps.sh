#!/usr/bin/env bash
# Installs the Debian packages the tests need (PHP for the plugin, Apache for the end-to-end rig, qrencode and
# zbar-tools for QR codes, Chromium for the demo page test), only those missing. Needs root (CI runs as root); a non-root run just checks.
set -euo pipefail
packages=(php-cli php-sqlite3 php-curl php-mbstring php-xml phpunit qrencode apache2 libapache2-mod-php curl zbar-tools chromium)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root or: sudo apt-get install ${missing[*]})" >&2
    exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Apache is started by the end-to-end rig on its own port, not as a system service.
if command -v systemctl >/dev/null && systemctl is-active --quiet apache2 2>/dev/null; then systemctl stop apache2 || true; fi
service apache2 stop >/dev/null 2>&1 || true

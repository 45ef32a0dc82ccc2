#!/usr/bin/env bash
# Installs the Debian packages the tests need (the real Jeedom core's: MariaDB, Apache + mod_php, PHP modules and
# the four composer libraries Debian packages; qrencode and zbar-tools for QR codes; Chromium and its driver for
# the page tests), only those missing. Needs root (CI runs as root); a non-root run just checks.
set -euo pipefail
packages=(php-cli php-sqlite3 php-curl php-mbstring php-xml phpunit qrencode apache2 libapache2-mod-php curl zbar-tools chromium
    mariadb-server mariadb-client php8.2-mysql php8.2-gd php8.2-zip chromium-driver
    php-dragonmantank-cron-expression php-symfony-expression-language php-psr-log php-bacon-qr-code)
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
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Apache and MariaDB are started by the test rig (tests/jeedom/up.sh) privately, not as system services.
if command -v systemctl >/dev/null && systemctl is-active --quiet apache2 2>/dev/null; then systemctl stop apache2 || true; fi
service apache2 stop >/dev/null 2>&1 || true
if command -v systemctl >/dev/null && systemctl is-active --quiet mariadb 2>/dev/null; then systemctl stop mariadb || true; fi

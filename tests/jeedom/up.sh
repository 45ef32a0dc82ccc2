#!/usr/bin/env bash
# The tests' real Jeedom core: installs Jeedom 4.5.3 (from ../shared/real-jeedom/jeedom-core-4.5.3.tar.xz, or
# $JEEDOM_CORE_ARCHIVE: that archive or an unpacked tree / git clone of jeedom/core at tag 4.5.3) into a new temp
# folder and starts everything it needs, privately, on loopback:
#   <T>/db        MariaDB: own datadir, skip-networking, unix socket (outside the web root's parent, which
#                 Jeedom's cleanFileSystemRight() chmods recursively)
#   <T>/jeedom/html  the core's web root, with a hand-written vendor/autoload.php (tests/jeedom/vendor-autoload.php)
#   <T>/apache    Apache + mod_php on a free 127.0.0.1 port, Jeedom's own fragments and .htaccess
#   <T>/tmp       Jeedom's folder::tmp (not the machine's /tmp/jeedom)
# then runs Jeedom's installer (install/install.php mode=force; the steps of install/consistency.php that write to
# the machine outside the rig - "Check jeedom package", nodejs, composer, /etc/apache2, /etc/systemd - are LEFT
# OUT, see tests/jeedom/patch-installer.php), saves the network settings first, installs the plugin the way Jeedom does (files under
# plugins/JeedomConnect, plugin::setIsEnable(1), which runs the dependency install of plugin_info/packages.json,
# i.e. resources/install_daemon.sh - root stands in for sudo), and starts jeeCron every minute as the web user by a
# loop this rig owns. Writes <T>/env (shell variables, see the end) and prints <T> on stdout.
#
#   T=$(bash tests/jeedom/up.sh)  ...  bash tests/jeedom/down.sh "$T"
#
# Needs root (CI runs as root): MariaDB runs as mysql, Apache's workers, jeeCron and the daemon as www-data.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
log() { echo "[jeedom-rig] $*" >&2; }
die() { log "FAIL: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (MariaDB as mysql, Apache/jeeCron as www-data, the dependency install as root)"
t_start=$(date +%s.%N)

ARCHIVE=${JEEDOM_CORE_ARCHIVE:-$REPO/../shared/real-jeedom/jeedom-core-4.5.3.tar.xz}
[ -e "$ARCHIVE" ] || die "no Jeedom core at $ARCHIVE (set JEEDOM_CORE_ARCHIVE; see tests/jeedom/README.md)"
for tool in mariadbd mariadb-install-db mariadb apache2 php curl runuser; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || die "$tool missing (bash tests/install-deps.sh)"
done
APACHE=$(command -v apache2 || echo /usr/sbin/apache2)
MARIADBD=$(command -v mariadbd || echo /usr/sbin/mariadbd)
PHP_MODULE=$(ls /usr/lib/apache2/modules/libphp*.so 2>/dev/null | head -n1)
[ -n "$PHP_MODULE" ] || die "mod_php missing (libapache2-mod-php)"
WEB_USER=www-data

free_port() {
    php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false);
            echo substr($n, strrpos($n, ":") + 1);'
}

T=$(mktemp -d /tmp/jc-jeedom.XXXXXX)
chmod 755 "$T"
WEB="$T/jeedom/html"
DB_DIR="$T/db"
SOCK="$DB_DIR/mysqld.sock"
APACHE_DIR="$T/apache"
TMPF="$T/tmp"
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
DB_PASS=$(php -r 'echo bin2hex(random_bytes(12));')
cat > "$T/env" <<ENV
JC_CORE=$T
JC_WEB=$WEB
JC_PORT=$PORT
JC_URL=$URL
JC_DB_SOCKET=$SOCK
JC_APACHE=$APACHE
JC_APACHE_DIR=$APACHE_DIR
JC_APACHE_CONF=$APACHE_DIR/apache.conf
JC_APACHE_TREE=$APACHE_DIR/tree
JC_WEB_USER=$WEB_USER
JC_TMP=$TMPF
ENV
# The plugin's own Apache configuration (WebSocket/SSE through the web server) is written by its install hook and
# its cron, run here as root or www-data outside Apache: into the rig's private Debian-style tree, checked and
# reloaded with the rig's Apache, exactly as on a box where it goes into /etc/apache2 - never the machine's.
export JEEDOMCONNECT_APACHE_DIR="$APACHE_DIR/tree"
export JEEDOMCONNECT_APACHE_CONFIGTEST="$APACHE -t -f $APACHE_DIR/apache.conf"
export JEEDOMCONNECT_APACHE_RELOAD="$APACHE -f $APACHE_DIR/apache.conf -k graceful"
# The dependency install's download of the notification sender program (resources/install_sendnotif.sh) goes to a
# closed loopback port, never to the Internet: it logs its failure and the tests put a stand-in program in place.
export JEEDOMCONNECT_SENDNOTIF_URL="http://127.0.0.1:$(free_port)"
echo "$T"   # the caller learns the folder at once, so that it can clean up after a failure below

# 1. MariaDB, private.
log "MariaDB in $DB_DIR"
mkdir -p "$DB_DIR/data"
chown -R mysql:mysql "$DB_DIR"
mariadb-install-db --no-defaults --datadir="$DB_DIR/data" --user=mysql --auth-root-authentication-method=socket \
    --skip-test-db >"$DB_DIR/install.log" 2>&1 || { cat "$DB_DIR/install.log" >&2; die "mariadb-install-db"; }
setsid "$MARIADBD" --no-defaults --datadir="$DB_DIR/data" --user=mysql --skip-networking --socket="$SOCK" \
    --pid-file="$DB_DIR/mysqld.pid" --log-error="$DB_DIR/error.log" --innodb-buffer-pool-size=64M \
    --innodb-flush-log-at-trx-commit=2 --skip-log-bin </dev/null >/dev/null 2>&1 &
echo $! > "$DB_DIR/mariadbd.pid"
for i in $(seq 1 100); do
    mariadb --no-defaults --socket="$SOCK" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break
    [ "$i" -eq 100 ] && { tail -20 "$DB_DIR/error.log" >&2; die "MariaDB did not start"; }
    sleep 0.2
done
mariadb --no-defaults --socket="$SOCK" -uroot <<SQL
CREATE DATABASE jeedom CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'jeedom'@'localhost' IDENTIFIED BY '$DB_PASS';
GRANT ALL PRIVILEGES ON jeedom.* TO 'jeedom'@'localhost';
SQL

# 2. The core's tree.
log "Jeedom core from $ARCHIVE into $WEB"
mkdir -p "$T/jeedom" "$TMPF"
if [ -d "$ARCHIVE" ]; then
    mkdir -p "$WEB" && tar -C "$ARCHIVE" --exclude=./.git -cf - . | tar -C "$WEB" -xf -
else
    tar -C "$T/jeedom" -xJf "$ARCHIVE"
    mv "$T/jeedom/"jeedom-core-* "$WEB"
fi
[ -f "$WEB/install/install.php" ] || die "$ARCHIVE is not a Jeedom core tree"
mkdir -p "$WEB/vendor"
cp tests/jeedom/vendor-autoload.php "$WEB/vendor/autoload.php"
sed -e "s/#HOST#/localhost/" -e "s/#PORT#/3306/" -e "s/#DBNAME#/jeedom/" -e "s/#USERNAME#/jeedom/" \
    -e "s/#PASSWORD#/$DB_PASS/" "$WEB/core/config/common.config.sample.php" > "$WEB/core/config/common.config.php"
printf "\$CONFIG['db']['unix_socket'] = '%s';\n" "$SOCK" >> "$WEB/core/config/common.config.php"
# Leave out the installer steps that write to the machine outside the rig (see tests/jeedom/patch-installer.php).
php tests/jeedom/patch-installer.php "$WEB/install/consistency.php"

# 3. Jeedom's installer (as root, like install.sh), then network settings first and the tmp folder.
log "install/install.php mode=force"
t_inst=$(date +%s)
(cd "$WEB" && php install/install.php mode=force) >"$T/install.log" 2>&1 || { tail -40 "$T/install.log" >&2; die "Jeedom's installer failed"; }
grep -q "END INSTALL SUCCESS" "$T/install.log" || { tail -40 "$T/install.log" >&2; die "Jeedom's installer did not succeed"; }
log "installer: $(( $(date +%s) - t_inst ))s"
cat > "$T/jeedom-setup.php" <<'PHP'
<?php
require_once $argv[1] . '/core/php/core.inc.php';
config::save('internalProtocol', 'http://');
config::save('internalAddr', '127.0.0.1');
config::save('internalPort', $argv[2]);
config::save('internalComplement', '');
config::save('network::disableInternalAuto', 1);
config::save('externalProtocol', 'https://');
config::save('externalAddr', 'jeedom.e2e.test');
config::save('externalPort', '443');
config::save('folder::tmp', $argv[3]);
config::save('market::allowDNS', 0);
echo "ok\n";
PHP
php "$T/jeedom-setup.php" "$WEB" "$PORT" "$TMPF" >&2

# 4. Apache, private, with Jeedom's fragments adapted as install.sh adapts them.
mkdir -p "$APACHE_DIR/run" "$APACHE_DIR/jeedom-fragments" "$APACHE_DIR/tree/"{mods-available,mods-enabled,conf-available,conf-enabled}
sed -e "s#/var/www/html#$WEB#g" "$WEB/install/apache_security" > "$APACHE_DIR/jeedom-fragments/security.conf"
cp "$WEB/install/apache_remoteip" "$APACHE_DIR/jeedom-fragments/remoteip.conf"
sed -e "s#/var/www/html#$WEB#g" -e "s#\*:80#127.0.0.1:$PORT#" "$WEB/install/apache_default" > "$APACHE_DIR/jeedom-fragments/000-default.conf"
for m in proxy proxy_http proxy_wstunnel headers; do
    cp "/etc/apache2/mods-available/$m.load" "$APACHE_DIR/tree/mods-available/"
done
sed -e "s#@APACHE_DIR@#$APACHE_DIR#g" -e "s#@PORT@#$PORT#g" -e "s#@WEBROOT@#$WEB#g" -e "s#@PHP_MODULE@#$PHP_MODULE#g" \
    tests/jeedom/apache.conf.in | awk '{ if ($0 == "@USER_LINES@") print "User www-data\nGroup www-data"; else print }' \
    > "$APACHE_DIR/apache.conf"

# 5. The plugin, as Jeedom installs it: its files (what a market zip holds) under plugins/JeedomConnect.
bash tests/jeedom/sync-plugin.sh "$T"
# A fixture plugin: "another plugin's device" whose action cmds really act (tests/jeedom/jcTestDevice).
cp -r tests/jeedom/jcTestDevice "$WEB/plugins/jcTestDevice"
chown -R "$WEB_USER:$WEB_USER" "$WEB" "$TMPF"

"$APACHE" -f "$APACHE_DIR/apache.conf" -k start || die "apache did not start"
for i in $(seq 1 100); do
    case "$(curl -s -o /dev/null -w '%{http_code}' -m 2 "$URL/index.php")" in 200|302) break ;; esac
    [ "$i" -eq 100 ] && { tail -20 "$APACHE_DIR/error.log" >&2; die "Apache/PHP did not answer on $URL"; }
    sleep 0.1
done

# 6. Enabling: plugin::setIsEnable(1) runs the plugin's install hook and, its dependencies being "nok", the
# dependency install of packages.json in the foreground (post-install: resources/install_daemon.sh with sudo;
# root runs it, as sudo would). Our build is offered as the prebuilt binary (sync-plugin.sh).
log "plugin::byId('JeedomConnect')->setIsEnable(1)"
cat > "$T/jeedom-enable.php" <<'PHP'
<?php
require_once $argv[1] . '/core/php/core.inc.php';
// the plugin's ports before anything can start its daemon (Jeedom's checks, the minute cron): free loopback ones,
// never the defaults (8090/58090 on every interface), which another rig or the machine may use
config::save('port', $argv[2], 'JeedomConnect');
config::save('socketport', $argv[3], 'JeedomConnect');
config::save('bind', '127.0.0.1', 'JeedomConnect');
plugin::byId('jcTestDevice')->setIsEnable(1);
$plugin = plugin::byId('JeedomConnect');
$plugin->setIsEnable(1, false, true);
$dep = $plugin->dependancy_info(true);
echo json_encode(array('active' => config::byKey('active', 'JeedomConnect'), 'dependancy' => $dep['state'])), "\n";
PHP
out=$(cd "$WEB" && php "$T/jeedom-enable.php" "$WEB" "$(free_port)" "$(free_port)" 2>&1 | tail -1)
echo "$out" | grep -q '"active":"1","dependancy":"ok"' || die "enabling the plugin: $out"
[ -x "$WEB/plugins/JeedomConnect/resources/bin/jeedomconnectd" ] || die "the dependency install did not put the daemon in place"
chown -R "$WEB_USER:$WEB_USER" "$WEB" "$TMPF"

# 7. jeeCron, every minute, as the web user (a Jeedom box's /etc/cron.d/jeedom), by a loop this rig owns.
setsid bash -c 'while :; do runuser -u www-data -- php "$1/core/php/jeeCron.php" >>"$2/cron.log" 2>&1; sleep $((60 - $(date +%s) % 60)); done' \
    jeecron-loop "$WEB" "$T" </dev/null >/dev/null 2>&1 &
echo $! > "$T/jeecron-loop.pid"
log "Jeedom 4.5.3 up at $URL in $(php -r "printf('%.1f', microtime(true) - $t_start);")s (core folder $T)"

#!/usr/bin/env bash
# Stops everything tests/jeedom/up.sh started for the core folder <T> (by pid files, never by name) and removes
# <T>, unless JC_KEEP=1.   bash tests/jeedom/down.sh <T>
set -uo pipefail
T=${1:?usage: down.sh <core folder>}
[ -f "$T/env" ] || exit 0
. "$T/env"
stop_pid() { # stop_pid <pid> [group]: TERM, up to 5 s, then KILL
    local pid=$1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    if [ "${2:-}" = group ]; then kill -TERM -- "-$pid" 2>/dev/null; else kill -TERM "$pid" 2>/dev/null; fi
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    if [ "${2:-}" = group ]; then kill -KILL -- "-$pid" 2>/dev/null; else kill -KILL "$pid" 2>/dev/null; fi
}
[ -f "$T/jeecron-loop.pid" ] && stop_pid "$(cat "$T/jeecron-loop.pid")" group
sleep 0.5 # a daemon start the last cron run may have been making writes its pid file
[ -f "$JC_TMP/JeedomConnect/deamon.pid" ] && stop_pid "$(cat "$JC_TMP/JeedomConnect/deamon.pid")"
# and any daemon of THIS core whose pid file is gone (a test removed Jeedom's tmp folder): its command line names
# this core's own pid file path, unique to the rig (never a match by program name)
for p in /proc/[0-9]*; do
    if tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -qF -- "--pid $JC_TMP/JeedomConnect/deamon.pid"; then
        stop_pid "${p#/proc/}"
    fi
done
if [ -f "$JC_APACHE_DIR/httpd.pid" ]; then
    "$JC_APACHE" -f "$JC_APACHE_CONF" -k stop >/dev/null 2>&1
    for _ in $(seq 1 50); do [ -f "$JC_APACHE_DIR/httpd.pid" ] || break; sleep 0.1; done
fi
[ -f "$T/db/mariadbd.pid" ] && stop_pid "$(cat "$T/db/mariadbd.pid")"
if [ "${JC_KEEP:-0}" = 1 ]; then
    echo "[jeedom-rig] core kept in $T" >&2
else
    rm -rf "$T"
fi

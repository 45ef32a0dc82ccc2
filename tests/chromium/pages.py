#!/usr/bin/env python3
"""The plugin's pages in headless Chromium, inside the rig's real Jeedom core (tests/jeedom/up.sh).

Drives Debian's chromedriver through the W3C WebDriver HTTP protocol (standard library only). Logged in as the
installer's admin, it walks the plugin page with its configuration, the equipment list, an equipment and its
commands tab, and checks: no JavaScript error in the browser's console, no PHP warning/notice/error added to Jeedom's
logs. Then the tutorial's flow (docs: set the port and the two websocket addresses, save, daemon "OK", tick
"Activer la connexion par Websocket", save, "Regénérer le QR Code", the QR code decodes to the saved addresses), and
the Jeedom DNS hint of the equipment page: hidden without Jeedom DNS, shown with it.

    JC_CORE=<core folder> python3 tests/chromium/pages.py
Every wait is bounded. Prints "pages ok" on success, exits 1 with the reason otherwise.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

CORE = os.environ["JC_CORE"]
ENV = dict(line.strip().split("=", 1) for line in open(os.path.join(CORE, "env")) if "=" in line)
URL = ENV["JC_URL"]
WEB = ENV["JC_WEB"]
WEB_USER = ENV["JC_WEB_USER"]


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def jeedom_php(code):
    """Runs PHP inside the core as the web user (what a Jeedom admin page would have saved)."""
    script = "require '%s/core/php/core.inc.php'; class_exists('JeedomConnect'); %s" % (WEB, code)
    out = subprocess.run(["runuser", "-u", WEB_USER, "--", "php", "-r", script], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        fail("php: %s\n%s" % (code, out.stdout + out.stderr))
    return out.stdout.strip()


class Driver:
    def __init__(self):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="jc-chromium-")
        self.proc = subprocess.Popen(["chromedriver", "--port=%d" % self.port, "--allowed-ips=127.0.0.1"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = "http://127.0.0.1:%d" % self.port
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + "/status", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"binary": shutil.which("chromium") or "/usr/bin/chromium", "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + self.profile, "--window-size=1400,1000"]}}}}
        self.sid = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return json.loads(r.read() or b"{}").get("value", {})
        except urllib.error.HTTPError as e:
            fail("webdriver %s %s: %s" % (method, path, e.read().decode(errors="replace")[:500]))

    def s(self, method, path, body=None):
        return self.call(method, "/session/%s%s" % (self.sid, path), body)

    def go(self, path):
        self.s("POST", "/url", {"url": URL + "/" + path})
        self.wait("document.readyState === 'complete'", "page " + path)

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait(self, expr, what, secs=30):
        deadline = time.time() + secs
        while time.time() < deadline:
            if self.js("return !!(" + expr + ");"):
                return
            time.sleep(0.2)
        fail("timed out after %ds waiting for %s" % (secs, what))

    def console_errors(self):
        logs = self.s("POST", "/se/log", {"type": "browser"}) or []
        return [l["message"] for l in logs if l.get("level") == "SEVERE"]

    def quit(self):
        try:
            self.s("DELETE", "")
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


def php_log_problems(since):
    """PHP warnings/notices/errors about the plugin that Jeedom's logs (and Apache's error log, where mod_php
    writes when Jeedom's relative log/http.error does not resolve) got since the walk began."""
    problems = []
    logdir = os.path.join(WEB, "log")
    paths = [os.path.join(logdir, n) for n in os.listdir(logdir)] + [os.path.join(ENV["JC_APACHE_DIR"], "error.log")]
    for path in paths:
        name = os.path.basename(path)
        if not os.path.isfile(path) or os.path.getmtime(path) < since:
            continue
        with open(path, errors="replace") as f:
            for line in f:
                if ("PHP Warning" in line or "PHP Notice" in line or "PHP Fatal" in line or "PHP Deprecated" in line) \
                        and "JeedomConnect" in line:
                    problems.append(name + ": " + line.strip())
    return problems


def main():
    started = time.time()
    ws_port = free_port()
    # the tutorial's addresses: as a user types them on the configuration page
    ws_ext = "ws://jc-tutorial.example.net:%d" % ws_port
    ws_int = "ws://127.0.0.1:%d" % ws_port
    # a new user's settings: "WebSocket via le serveur web de Jeedom" off (the tutorial's case)
    eq_id = jeedom_php("config::save('deamonAutoMode', 1, 'JeedomConnect'); config::save('wsThroughJeedom', '0', 'JeedomConnect');"
                       "$eq = new JeedomConnect(); $eq->setName('Pixel tutoriel'); $eq->setEqType_name('JeedomConnect');"
                       "$eq->setIsEnable(1); $eq->setConfiguration('userId', user::byLogin('admin')->getId()); $eq->save(); echo $eq->getId();")
    d = Driver()
    try:
        d.go("index.php")
        d.wait("document.getElementById('in_login_username')", "the login form")
        # the login form's own request (core/ajax/user.ajax.php action=login), from the page
        d.s("POST", "/execute/async", {"script": "var done = arguments[arguments.length - 1];"
            "fetch('core/ajax/user.ajax.php', {method: 'POST', body: new URLSearchParams({action: 'login',"
            " username: 'admin', password: 'admin'})}).then(r => r.text()).then(done, e => done(String(e)));", "args": []})
        d.go("index.php?v=d&p=dashboard")
        d.wait("!document.getElementById('in_login_username')", "the login", 30)
        before = d.console_errors()  # the dashboard's own messages are not the plugin's

        # 1. the plugin page with its configuration; the tutorial: port, the two websocket addresses, save
        d.go("index.php?v=d&p=plugin&id=JeedomConnect")
        # the core fills the form with the saved values once the page is there: type after that
        d.wait("document.querySelector('#div_plugin_configuration [data-l1key=port]') &&"
               " document.querySelector('#div_plugin_configuration [data-l1key=port]').value !== ''", "the configuration form", 40)
        time.sleep(1)
        d.js("var f = document.getElementById('div_plugin_configuration');"
             "f.querySelector('[data-l1key=port]').value = arguments[0];"
             "f.querySelector('[data-l1key=wsAddress]').value = arguments[1];"
             "f.querySelector('[data-l1key=internWsAddress]').value = arguments[2];"
             "document.getElementById('bt_savePluginConfig').click();", str(ws_port), ws_ext, ws_int)
        saved = lambda: jeedom_php("echo config::byKey('port', 'JeedomConnect', '', true), ' ',"
                                   " JeedomConnectConfig::wsAddress(), ' ', JeedomConnectConfig::internWsAddress();")
        want = "%d %s %s" % (ws_port, ws_ext, ws_int)
        deadline = time.time() + 30
        while time.time() < deadline and saved() != want:
            time.sleep(0.5)
        if saved() != want:
            fail("the configuration page's save: %s, want %s" % (saved(), want))
        # the daemon (started by the save, or by Jeedom) answers "OK" on the plugin page
        jeedom_php("if (JeedomConnect::deamon_info()['state'] !== 'ok') { plugin::byId('JeedomConnect')->deamon_start(true); }")
        d.go("index.php?v=d&p=plugin&id=JeedomConnect")
        d.wait("document.querySelector('.deamonState') && document.querySelector('.deamonState').textContent.indexOf('OK') >= 0",
               "the daemon OK on the plugin page", 60)
        listening = jeedom_php("$s = @stream_socket_client('tcp://127.0.0.1:%d', $e, $m, 2); echo $s ? 'yes' : 'no';" % ws_port)
        if listening != "yes":
            fail("the daemon does not listen on the saved port %d" % ws_port)

        # 2. the equipment list, 3. the equipment, its QR code; 4. its commands tab
        d.go("index.php?v=d&m=JeedomConnect&p=JeedomConnect")
        d.wait("document.querySelector('.eqLogicDisplayCard')", "the equipment list")
        d.go("index.php?v=d&m=JeedomConnect&p=JeedomConnect&id=%s" % eq_id)
        d.wait("document.querySelector('.jcModeWs') && document.querySelector('.eqLogicAttr[data-l1key=id]').value == '%s'" % eq_id,
               "the equipment page")
        if d.js("var h = document.querySelector('.jcDnsWsHint'); return !!h && h.offsetParent !== null;"):
            fail("the Jeedom DNS hint is shown although Jeedom DNS is not used")
        # tick "Activer la connexion par Websocket", save, "Regénérer le QR Code"
        d.js("var c = document.querySelector('.jcModeWs'); if (!c.checked) { c.click(); }"
             "document.querySelector('.eqLogicAction[data-action=save]').click();")
        deadline = time.time() + 30
        while time.time() < deadline and jeedom_php("echo eqLogic::byId(%s)->getConfiguration('useWs');" % eq_id) != "1":
            time.sleep(0.5)
        d.go("index.php?v=d&m=JeedomConnect&p=JeedomConnect&id=%s" % eq_id)
        d.wait("document.getElementById('bt_jcRegenerateQr')", "the QR code button")
        qr = jeedom_php("echo JeedomConnectQr::path(eqLogic::byId(%s));" % eq_id)
        mtime = os.path.getmtime(qr) if os.path.exists(qr) else 0
        time.sleep(1.1)
        d.js("document.getElementById('bt_jcRegenerateQr').click();")
        deadline = time.time() + 30
        while time.time() < deadline and not (os.path.exists(qr) and os.path.getmtime(qr) > mtime):
            time.sleep(0.3)
        out = subprocess.run(["zbarimg", "--raw", "-q", qr], capture_output=True, text=True, timeout=30)
        content = json.loads(out.stdout) if out.returncode == 0 else None
        if not content:
            fail("the QR code %s does not decode (%s)" % (qr, out.stderr))
        if content.get("wsAddress") != ws_ext or content.get("internalWsAddress") != ws_int or content.get("useWs") != "1":
            fail("QR content: %s (want %s, %s, useWs 1)" % (content, ws_ext, ws_int))
        d.js("var t = document.querySelector('a[href=\"#commandtab\"]'); if (t) { t.click(); }")
        d.wait("document.querySelector('#table_cmd tbody tr')", "the commands tab")

        # the Jeedom DNS hint, with Jeedom DNS really used
        jeedom_php("config::save('wsThroughJeedom', '0', 'JeedomConnect');"
                   "config::save('market::allowDNS', 1); config::save('dns::token', 'rig-token');"
                   "config::save('network::disableMangement', '0'); config::save('jeedom::url', 'https://rig1234.eu.jeedom.link');")
        try:
            d.go("index.php?v=d&m=JeedomConnect&p=JeedomConnect&id=%s" % eq_id)
            d.wait("document.querySelector('.jcModeWs')", "the equipment page (Jeedom DNS)")
            d.js("var c = document.querySelector('.jcModeWs'); if (c.checked) { c.click(); }")
            if not d.js("var h = document.querySelector('.jcDnsWsHint'); return !!h && h.offsetParent !== null;"):
                fail("the Jeedom DNS hint is not shown to a Jeedom DNS user")
        finally:
            jeedom_php("config::save('market::allowDNS', 0); config::remove('dns::token'); config::remove('jeedom::url');")

        errors = [e for e in d.console_errors() if e not in before]
        if errors:
            fail("JavaScript errors on the plugin's pages:\n" + "\n".join(errors))
        problems = php_log_problems(started)
        if problems:
            fail("PHP warnings in Jeedom's logs:\n" + "\n".join(problems))
    finally:
        d.quit()
        jeedom_php("$eq = eqLogic::byId(%s); if (is_object($eq)) { $eq->remove(); }" % eq_id)
    print("pages ok: configuration, equipment list, equipment, commands; QR %s / %s" % (ws_ext, ws_int))


if __name__ == "__main__":
    main()

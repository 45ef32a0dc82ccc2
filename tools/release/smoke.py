#!/usr/bin/env python3
"""Smoke test of one jeedomconnectd binary, run through a command prefix (e.g. `qemu-aarch64 -cpu cortex-a53 -L
<sysroot>`): `--version` prints the expected version; the daemon starts against a small fake of the plugin's PHP API
(the `--callback`); a WebSocket CONNECT is relayed to that fake and answered WELCOME; SIGTERM ends the daemon with
status 0 and removes its pid file. Standard library only, loopback only, every wait bounded.

    smoke.py --version 2.0.0 -- qemu-aarch64 -cpu cortex-a53 -L /sysroot dist/jeedomconnectd-2.0.0-arm64
"""
import argparse
import base64
import http.server
import json
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

DEVICE_KEY = "smoke" + secrets.token_hex(8)
WAIT_START = 60.0  # an emulated first start (SQLite journal creation) is slow on a busy machine
WAIT_FRAME = 30.0


class FakeApi(http.server.BaseHTTPRequestHandler):
    """The plugin API: CONNECT of the known device -> WELCOME + the daemon's device record (jcd); else null."""

    calls = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            req = json.loads(body)
        except ValueError:
            req = {}
        method = req.get("method", "")
        params = req.get("params") or {}
        FakeApi.calls.append((method, params.get("apiKey")))
        out = {"jsonrpc": "2.0", "id": req.get("id"), "result": None}
        if method == "CONNECT" and params.get("apiKey") == DEVICE_KEY:
            out["result"] = {"type": "WELCOME", "payload": {"pluginVersion": "smoke", "jeedomName": "smoke",
                                                            "eqName": "phone", "useWs": "1", "polling": "0",
                                                            "configVersion": 1, "userName": "admin"}}
            out["jcd"] = {"apiKey": DEVICE_KEY, "enabled": "1", "useWs": "1", "polling": "0", "appState": "active",
                          "configVersion": 1, "cmds": [], "scenarios": [], "scAll": "0", "objects": []}
        elif method == "CONNECT":
            out["result"] = {"type": "EXCEPTION", "payload": {"message": "unknown device"}}
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ws_frame(text):
    """A masked client text frame."""
    data = text.encode()
    mask = os.urandom(4)
    head = bytes([0x81])
    n = len(data)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise RuntimeError("connection closed by the daemon")
        buf += chunk
    return buf


def ws_next_text(sock):
    """Next text frame (pings answered nothing, skipped); raises on close."""
    while True:
        b1, b2 = recv_exact(sock, 2)
        n = b2 & 0x7F
        if n == 126:
            n = struct.unpack(">H", recv_exact(sock, 2))[0]
        elif n == 127:
            n = struct.unpack(">Q", recv_exact(sock, 8))[0]
        payload = recv_exact(sock, n)
        op = b1 & 0x0F
        if op == 0x1:
            return payload.decode()
        if op == 0x8:
            raise RuntimeError("daemon closed the WebSocket: %r" % payload)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", required=True, help="the version --version must print")
    ap.add_argument("cmd", nargs="+", help="command prefix + binary")
    a = ap.parse_args()
    cmd = a.cmd
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}

    # 1. --version
    out = subprocess.run(cmd + ["--version"], capture_output=True, text=True, timeout=WAIT_FRAME, env=env)
    first = (out.stdout.strip().splitlines() or [""])[0]
    if out.returncode != 0 or first != "jeedomconnectd " + a.version:
        sys.exit("FAIL --version: status %s, printed %r (want 'jeedomconnectd %s'); stderr: %s"
                 % (out.returncode, first, a.version, out.stderr.strip()[-500:]))
    print("ok --version: " + first)

    # 2. start against the fake plugin API
    api = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeApi)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    callback = "http://127.0.0.1:%d/plugins/JeedomConnect/core/api/JeedomConnect.api.php" % api.server_address[1]
    tmp = tempfile.mkdtemp(prefix="jcd-smoke-")
    pid_file = os.path.join(tmp, "jeedomconnectd.pid")
    ws_port, ctl_port = free_port(), free_port()
    env["JEEDOMCONNECTD_APIKEY"] = secrets.token_hex(16)
    log = open(os.path.join(tmp, "daemon.log"), "w+")
    daemon = subprocess.Popen(cmd + ["--loglevel", "info", "--socketport", str(ctl_port), "--websocketport",
                                     str(ws_port), "--callback", callback, "--pid", pid_file, "--data-dir", tmp,
                                     "--bind", "127.0.0.1"], stdout=log, stderr=subprocess.STDOUT, env=env)

    def fail(msg):
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait(10)
        log.seek(0)
        sys.exit("FAIL %s\n--- daemon output ---\n%s" % (msg, log.read()[-3000:]))

    deadline = time.monotonic() + WAIT_START
    while True:
        if daemon.poll() is not None:
            fail("daemon exited at start with status %s" % daemon.returncode)
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/health" % ws_port, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            fail("daemon not answering /health after %.0f s" % WAIT_START)
        time.sleep(0.3)
    print("ok start: /health answers on port %d" % ws_port)

    # 3. WebSocket CONNECT -> WELCOME (relayed to the fake API)
    try:
        sock = socket.create_connection(("127.0.0.1", ws_port), timeout=WAIT_FRAME)
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (ws_port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1)
            if not chunk:
                raise RuntimeError("connection closed during the handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("handshake refused: %r" % head.split(b"\r\n")[0])
        sock.sendall(ws_frame(json.dumps({"jsonrpc": "2.0", "id": "smoke-1", "method": "CONNECT", "params": {
            "apiKey": DEVICE_KEY, "deviceId": "smoke", "deviceName": "smoke", "token": "t", "userHash": "u",
            "appVersion": "1.20.1", "pluginRequire": "1.20.0", "platformOs": "android", "osVersion": "14",
            "appTypeVersion": "stable", "buildVersion": "100"}})))
        frame = json.loads(ws_next_text(sock))
    except (OSError, RuntimeError, ValueError) as e:
        fail("WebSocket CONNECT: %s" % e)
    if frame.get("type") != "WELCOME" or ("CONNECT", DEVICE_KEY) not in FakeApi.calls:
        fail("WebSocket CONNECT answered %r (fake API saw %r)" % (frame, FakeApi.calls))
    print("ok WebSocket: CONNECT relayed to the plugin API, WELCOME received")
    sock.close()

    # 4. SIGTERM
    daemon.send_signal(signal.SIGTERM)
    try:
        status = daemon.wait(WAIT_FRAME)
    except subprocess.TimeoutExpired:
        fail("daemon still running %.0f s after SIGTERM" % WAIT_FRAME)
    if status != 0 or os.path.exists(pid_file):
        fail("after SIGTERM: status %s, pid file %s" % (status, "left" if os.path.exists(pid_file) else "removed"))
    print("ok SIGTERM: exit status 0, pid file removed")
    api.shutdown()
    log.close()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

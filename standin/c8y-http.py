#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The HTTPS half of the Cumulocity stand-in: tenant and trusted certificates.

Serves, over TLS with the stand-in's own CA, with Basic auth:
  GET  /tenant/currentTenant                      -> 200 {"name": TENANT, ...}
  POST /tenant/tenants/TENANT/trusted-certificates -> 201, 409 (same fingerprint),
       422 (not a certificate, or not a CA certificate, as Cumulocity says),
       403 for a user without the tenant management role
A certificate it accepts is written into TRUSTED_DIR under its OpenSSL subject
hash, where the stand-in broker (capath) finds it on the next handshake: the
broker then trusts exactly the certificates uploaded so far.

Only the Python standard library and the openssl command are used.
Usage: c8y-http.py --dir DIR --port PORT
DIR holds server.pem, server.key, users (lines user:password[:noadmin]),
trusted/; requests are logged to DIR/http.log (never a password).
"""
import argparse
import base64
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TENANT = "t12345"
LOCK = threading.RLock()


def load_users(d):
    users = {}
    with open(os.path.join(d, "users")) as f:
        for line in f:
            parts = line.rstrip("\n").split(":")
            if len(parts) >= 2:
                users[parts[0]] = (parts[1], "noadmin" not in parts[2:])
    return users


def openssl(args, data):
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as f:
        f.write(data)
        f.flush()
        r = subprocess.run(["openssl", "x509", "-in", f.name, "-noout"] + args,
                           capture_output=True, text=True)
        return r.returncode, r.stdout


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "c8y-standin"

    def log_message(self, fmt, *args):
        with LOCK, open(os.path.join(self.server.dir, "http.log"), "a") as f:
            f.write("%s %s\n" % (self.command, fmt % args))

    def reply(self, code, obj=None):
        body = json.dumps(obj).encode() if obj is not None else b""
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def user(self):
        """The authenticated user name (as sent: 'user' or 'tenant/user')."""
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic "):
            return None
        try:
            user, _, pw = base64.b64decode(h[6:]).decode().partition(":")
        except Exception:
            return None
        name = user.split("/", 1)[1] if user.startswith(TENANT + "/") else user
        users = load_users(self.server.dir)
        if name in users and users[name][0] == pw:
            return name
        return None

    def do_GET(self):
        name = self.user()
        if name is None:
            return self.reply(401, {"error": "security/Unauthorized",
                                    "message": "Invalid credentials!"})
        if self.path == "/tenant/currentTenant":
            return self.reply(200, {"name": TENANT, "domainName": "localhost",
                                    "allowCreateTenants": False})
        return self.reply(404, {"error": "general/notFound"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length) if 0 < length < (1 << 20) else b""
        name = self.user()
        if name is None:
            return self.reply(401, {"error": "security/Unauthorized"})
        if self.path != "/tenant/tenants/%s/trusted-certificates" % TENANT:
            return self.reply(404, {"error": "general/notFound"})
        if not load_users(self.server.dir)[name][1]:
            return self.reply(403, {"error": "security/Forbidden",
                                    "message": "Access is denied"})
        with open(os.path.join(self.server.dir, "uploads.log"), "ab") as f:
            f.write(raw + b"\n")
        try:
            body = json.loads(raw)
            pem = body["certInPemFormat"]
            assert isinstance(pem, str) and body.get("status") == "ENABLED"
        except Exception:
            return self.reply(422, {"error": "Invalid body"})
        rc, out = openssl(["-fingerprint", "-sha1", "-hash", "-ext", "basicConstraints"], pem)
        if rc != 0:
            return self.reply(422, {"error": "Unprocessable Entity",
                                    "message": "Not a certificate"})
        lines = [l.strip() for l in out.splitlines()]
        fingerprint = [l for l in lines if "Fingerprint=" in l][0]
        fingerprint = fingerprint.split("=", 1)[1].replace(":", "").lower()
        subject_hash = [l for l in lines if len(l) == 8 and
                        all(c in "0123456789abcdef" for c in l)][0]
        if "CA:TRUE" not in out:
            return self.reply(422, {"error": "Unprocessable Entity",
                                    "message": "Certificate is not a CA certificate"})
        trusted = os.path.join(self.server.dir, "trusted")
        with LOCK:
            known = os.path.join(trusted, "fingerprints")
            seen = open(known).read().split() if os.path.exists(known) else []
            if fingerprint in seen:
                return self.reply(409, {"error": "Conflict",
                                        "message": "Certificate already exists"})
            n = 0
            while os.path.exists(os.path.join(trusted, "%s.%d" % (subject_hash, n))):
                n += 1
            path = os.path.join(trusted, "%s.%d" % (subject_hash, n))
            with open(path + ".tmp", "w") as f:
                f.write(pem)
            os.rename(path + ".tmp", path)
            with open(known, "a") as f:
                f.write(fingerprint + "\n")
        return self.reply(201, {"fingerprint": fingerprint, "name": body.get("name"),
                                "status": "ENABLED", "autoRegistrationEnabled":
                                bool(body.get("autoRegistrationEnabled"))})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, required=True)
    a = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(a.dir, "server.pem"), os.path.join(a.dir, "server.key"))
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.dir = a.dir
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.daemon_threads = True
    with open(os.path.join(a.dir, "http.ready"), "w") as f:
        f.write("%d\n" % os.getpid())
    srv.serve_forever()


if __name__ == "__main__":
    main()

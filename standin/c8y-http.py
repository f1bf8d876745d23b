#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The HTTPS half of the Cumulocity stand-in: tenant, trusted certificates,
device registration and the tenant's certificate authority (EST).

Serves, over TLS with the stand-in's own CA (DIR/ca.pem):

With a user's Basic auth (DIR/users; "tenant/user" works too; 401 otherwise):
  GET  /tenant/currentTenant                      -> 200 {"name": TENANT, ...}
  POST /tenant/tenants/TENANT/trusted-certificates -> 201, 409 (same fingerprint),
       422 (not a certificate, or not a CA certificate, as Cumulocity says),
       403 for a user without the tenant management role
  POST /devicecontrol/bulkNewDeviceRequests       -> 201, a BulkNewDeviceRequest
       multipart/form-data, a part named "file": a CSV (TAB-separated if its
       header row has a TAB, else ";"), header ID, AUTH_TYPE, ENROLLMENT_OTP
       and optionally TYPE, NAME, IDTYPE, PATH,
       com_cumulocity_model_Agent.active. Each row with AUTH_TYPE=CERTIFICATES
       becomes a pending registration (DIR/requests.json); a row that cannot
       (an ID already pending, an OTP empty or longer than 32, a missing
       column, another AUTH_TYPE: the stand-in knows certificate devices
       only) is an entry of failedCreationList: bulkNewDeviceStatus FAILED,
       deviceId, failureReason, line. Reply {"numberOfAll", "numberOfCreated",
       "numberOfFailed", "numberOfSuccessful", "credentialUpdatedList": [],
       "failedCreationList"}; with no Accept header an empty body, as
       Cumulocity's docs say. 400 no "file" part or no header row, 415 not
       multipart, 403 a user without the role.
  DELETE /devicecontrol/newDeviceRequests/ID      -> 204; 404 none pending; 403

The certificate authority (EST, RFC 7030's two calls), own auth:
  POST /.well-known/est/simpleenroll
       Authorization: Basic base64("ID:OTP") of a pending registration
       (no tenant prefix); Content-Type: application/pkcs10; body: the CSR
       in base64 DER, whitespace and newlines allowed (so the PEM text
       without its BEGIN/END lines, as thin-edge sends it, works; with
       them it is a 400). Checks, in order: 401 no Basic credentials; 401
       "No newDeviceRequest found for this ID. It may already be
       registered, check the audit logs for details." for an ID with no
       pending registration or another OTP (a used OTP is gone); 415
       another Content-Type; 400 a body that is no CSR, a signature that
       does not verify, a CN other than ID, a CSR requesting CA:TRUE.
       The registration is used up by a success only.
  POST /.well-known/est/simplereenroll
       Authorization: Bearer <JWT the responder issued on s/dat>: HS256
       with the key in DIR/jwt.key (read per request), exp in the future;
       401 without one (Basic too: the stand-in has no device passwords).
       The device is the token's sub "TENANT/device_ID" when the responder
       knew who asked (a fleet endpoint's device); the CSR's CN must be
       ID. A token without a device (the shared broker, where the
       responder cannot tell who asked) admits a CN the stand-in knows: a
       line of DIR/devices (created by s/us 100) or of DIR/issued.log.
       Real Cumulocity checks the CN against the device the token is for.
       415 and 400 as above.
  A success: a certificate signed by the tenant CA (DIR/tenant-ca.pem, issuer
  O=Cumulocity, CN=TENANT) with the CSR's subject and key, v3 and no
  extensions (as Cumulocity's), serial the issue time in milliseconds
  (strictly increasing), valid C8Y_STANDIN_CERT_DAYS days (default 365;
  DIR/cert-days, when present, overrides it per request). The reply form
  is C8Y_STANDIN_EST_REPLY (DIR/est-reply overrides it per request):
    pkcs7 (default)  200, Content-Type "application/pkcs7-mime;
                     smime-type=certs-only", body one line of base64 of a DER
                     PKCS#7 certs-only holding the certificate only (thin-edge
                     accepts exactly this)
    pem-201          201, Content-Type application/x-pem-file, the PEM (what
                     Cumulocity's docs show)
  Each is appended to DIR/issued.log as "SERIAL CN NOTAFTER" (SERIAL in hex as
  `openssl x509 -serial` prints it, NOTAFTER as 2027-01-31T12:00:00Z).
  DIR/ca.off (c8y-standin ca-off) stops the CA, per request, for both calls:
  "503" 503 JSON; "close" the connection is closed with no reply; "404" 404
  "Failed to retrieve tenant keypair", what a tenant without a CA gets.
  DIR/est.log gets a line per EST request: CALL STATUS auth=SCHEME
  content-type=TYPE and what happened.

Errors are JSON as Cumulocity's: {"error": "<domain>/<reason>", "message"}.
A certificate the trusted-certificates call accepts is written into
DIR/trusted under its OpenSSL subject hash, where the stand-in broker
(capath) finds it on the next handshake; the broker also trusts the tenant
CA (its cafile).

Where Cumulocity's behaviour is not confirmed, the stand-in's choices:
  - 401 with NO_REQUEST for an unknown ID, another OTP, a used OTP or an ID
    with a tenant prefix (a field report saw 401 and these words before a
    registration; the docs give no status), 401 FULL_AUTH for none;
  - 400 for a CSR that does not parse or verify, another CN, CA:TRUE
    (Cumulocity refuses these: the status and the words are ours); 415 for
    a Content-Type other than application/pkcs10; the PEM with its armour
    refused; a refused CSR leaves the OTP usable;
  - the PKCS#7 body is one line of base64, no Content-Transfer-Encoding;
    pem-201's Content-Type;
  - the failureReason words; registering makes no device (s/us 100 still
    does, into DIR/devices) and an ID enrolled may be registered again;
  - the CA off: 503 with a JSON body, or a closed connection;
  - simplereenroll with Basic: 401 (Cumulocity takes a device's password
    there; the stand-in's devices have none).

Only the Python standard library and the openssl command are used.
Usage: c8y-http.py --dir DIR --port PORT
DIR holds server.pem, server.key, tenant-ca.pem, tenant-ca.key, users (lines
user:password[:noadmin]), trusted/; requests are logged to DIR/http.log (never
a password).
"""
import argparse
import base64
import binascii
import csv
import hashlib
import hmac
import json
import os
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TENANT = "t12345"
LOCK = threading.RLock()
BODY_MAX = 1 << 20
OTP_MAX = 32
NO_REQUEST = ("No newDeviceRequest found for this ID. It may already be "
              "registered, check the audit logs for details.")
FULL_AUTH = "Full authentication is required to access this resource"
P7_TYPE = "application/pkcs7-mime; smime-type=certs-only"
BULK_COLUMNS = ("ID", "AUTH_TYPE", "ENROLLMENT_OTP")
# Cumulocity's device certificates are v3 with no extension at all; without
# an extension section `openssl x509 -req` makes v1, and with an empty one
# it adds the key identifiers.
NO_EXTENSIONS = "[e]\nsubjectKeyIdentifier = none\nauthorityKeyIdentifier = none\n"
last_serial = 0


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


def run(args, err=False):
    """openssl ARGS: its status and stdout (and stderr, with err)."""
    r = subprocess.run(["openssl"] + args, capture_output=True)
    out = r.stdout.decode("utf-8", "replace")
    return (r.returncode, out, r.stderr.decode("utf-8", "replace")) if err else (r.returncode, out)


def read_word(path):
    """The file's content, stripped; None when there is no such file."""
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def write_atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def load_requests(d):
    try:
        with open(os.path.join(d, "requests.json")) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def save_requests(d, reqs):
    write_atomic(os.path.join(d, "requests.json"), json.dumps(reqs, indent=1) + "\n")


def next_serial():
    global last_serial
    with LOCK:
        last_serial = max(int(time.time() * 1000), last_serial + 1)
        return last_serial


def setting(d, name, env, default):
    v = read_word(os.path.join(d, name))
    return v if v else os.environ.get(env) or default


def form_file(ctype, raw):
    """The content of the part named "file" of a multipart/form-data body."""
    msg = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + raw)
    if not msg.is_multipart():
        return None
    for part in msg.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            return part.get_payload(decode=True)
    return None


def csr_problem(der, tmp):
    """(None, CN) for a CSR we would sign, else (why not, CN or None)."""
    f = os.path.join(tmp, "csr.der")
    with open(f, "wb") as out:
        out.write(der)
    base = ["req", "-inform", "DER", "-in", f, "-noout"]
    rc, out = run(base + ["-subject", "-nameopt", "multiline,utf8,-esc_msb"])
    if rc != 0:
        return "Invalid CSR: the body is no base64 DER PKCS#10 request", None
    cns = [l.split(" = ", 1)[1] for l in out.splitlines()[1:]
           if l.strip().startswith("commonName ")]
    cn = cns[0] if len(cns) == 1 else None
    # OpenSSL 3.0's req -verify exits 0 on a failure too: its words decide
    rc, _, err = run(base + ["-verify"], err=True)
    if rc != 0 or "verify OK" not in err:
        return "Invalid CSR: its signature does not verify", cn
    if cn is None:
        return "The CSR must have exactly one common name, it has %d" % len(cns), None
    rc, out = run(base + ["-text", "-reqopt", "no_header,no_version,no_subject,no_pubkey,no_sigdump"])
    lines = [l.strip() for l in out.splitlines()]
    for i, l in enumerate(lines):
        if "Basic Constraints" in l and i + 1 < len(lines) and "CA:TRUE" in lines[i + 1]:
            return ("The CSR requests a CA certificate (basicConstraints CA:TRUE): "
                    "the tenant CA issues device certificates only"), cn
    return None, cn


def issued_cns(d):
    cns = set()
    try:
        with open(os.path.join(d, "issued.log")) as f:
            for line in f:
                parts = line.rstrip("\n").split(" ", 1)
                if len(parts) == 2:
                    cns.add(parts[1].rsplit(" ", 1)[0])
    except FileNotFoundError:
        pass
    return cns


def created_devices(d):
    try:
        with open(os.path.join(d, "devices")) as f:
            return {l.split(",", 1)[0] for l in f}
    except FileNotFoundError:
        return set()


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jwt_claims(d, token):
    """The claims of a token the responder signed and that has not expired,
    or the reason it is refused."""
    try:
        h, p, s = token.split(".")
        header = json.loads(b64url_decode(h))
        claims = json.loads(b64url_decode(p))
        sig = b64url_decode(s)
    except (ValueError, binascii.Error):
        return None, "the token is no JWT"
    key = read_word(os.path.join(d, "jwt.key"))
    if not key:
        return None, "no key: the responder is not running"
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        return None, "the token is not HS256"
    mac = hmac.new(bytes.fromhex(key), (h + "." + p).encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(mac, sig):
        return None, "the token signature does not verify"
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if not isinstance(exp, (int, float)) or exp <= time.time():
        return None, "the token has expired"
    return claims, None


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

    def send(self, code, ctype, body, headers=()):
        self.send_response(code)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, code, error, message, headers=()):
        body = json.dumps({"error": error, "message": message}).encode()
        self.send(code, "application/json", body, headers)

    def body(self):
        length = int(self.headers.get("Content-Length", "0"))
        if 0 < length < BODY_MAX:
            return self.rfile.read(length)
        if length:
            # not read: what follows is no request
            self.close_connection = True
        return b""

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

    def admin(self, name):
        return load_users(self.server.dir)[name][1]

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
        raw = self.body()
        path = urllib.parse.urlsplit(self.path).path
        if path in ("/.well-known/est/simpleenroll", "/.well-known/est/simplereenroll"):
            return self.est(path.rsplit("/", 1)[1], raw)
        name = self.user()
        if name is None:
            return self.reply(401, {"error": "security/Unauthorized"})
        if path == "/devicecontrol/bulkNewDeviceRequests":
            if not self.admin(name):
                return self.error(403, "security/Forbidden", "Access is denied")
            return self.bulk(raw)
        if self.path != "/tenant/tenants/%s/trusted-certificates" % TENANT:
            return self.reply(404, {"error": "general/notFound"})
        if not self.admin(name):
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

    def do_DELETE(self):
        self.body()
        name = self.user()
        if name is None:
            return self.reply(401, {"error": "security/Unauthorized"})
        prefix = "/devicecontrol/newDeviceRequests/"
        path = urllib.parse.urlsplit(self.path).path
        if not path.startswith(prefix) or len(path) == len(prefix):
            return self.reply(404, {"error": "general/notFound"})
        if not self.admin(name):
            return self.error(403, "security/Forbidden", "Access is denied")
        ident = urllib.parse.unquote(path[len(prefix):])
        with LOCK:
            reqs = load_requests(self.server.dir)
            if ident not in reqs:
                return self.error(404, "devicecontrol/Not Found",
                                  "Could not find newDeviceRequest with ID %s" % ident)
            del reqs[ident]
            save_requests(self.server.dir, reqs)
        self.send(204, None, b"")

    def bulk(self, raw):
        """POST /devicecontrol/bulkNewDeviceRequests (see the top)."""
        ctype = self.headers.get("Content-Type", "")
        if not ctype.lower().startswith("multipart/form-data"):
            return self.error(415, "devicecontrol/Unsupported Media Type",
                              "Expected multipart/form-data with a part named file")
        data = form_file(ctype, raw)
        if data is None:
            return self.error(400, "devicecontrol/Bad Request", "No part named file")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return self.error(400, "devicecontrol/Bad Request", "The file is not UTF-8")
        lines = [l for l in text.splitlines() if l.strip()]
        if not lines:
            return self.error(400, "devicecontrol/Bad Request", "The file has no header row")
        sep = "\t" if "\t" in lines[0] else ";"
        rows = list(csv.reader(lines, delimiter=sep))
        header = [c.strip() for c in rows[0]]
        missing = [c for c in BULK_COLUMNS if c not in header]
        failed, created = [], 0
        with LOCK:
            reqs = load_requests(self.server.dir)
            for line, row in zip(lines[1:], rows[1:]):
                rec = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
                ident = rec.get("ID", "")
                otp = rec.get("ENROLLMENT_OTP", "")
                # Cumulocity's own wording of these is not known.
                if missing:
                    why = "Missing mandatory column(s): %s" % ", ".join(missing)
                elif any(c for c in row[len(header):]):
                    why = "The line has more fields than the header"
                elif not ident:
                    why = "ID is empty"
                elif any(ord(c) < 32 or ord(c) == 127 for c in ident):
                    why = "ID holds a control character"
                elif rec["AUTH_TYPE"] != "CERTIFICATES":
                    why = ("AUTH_TYPE %s: the stand-in registers certificate "
                           "devices only (CERTIFICATES)" % (rec["AUTH_TYPE"] or "empty"))
                elif not otp:
                    why = "ENROLLMENT_OTP is empty"
                elif len(otp) > OTP_MAX:
                    why = "ENROLLMENT_OTP is longer than %d characters" % OTP_MAX
                elif ident in reqs:
                    why = ("A newDeviceRequest for ID %s already exists; it cannot "
                           "be updated, delete it first" % ident)
                else:
                    reqs[ident] = {
                        "otp": otp, "status": "WAITING_FOR_CONNECTION",
                        "type": rec.get("TYPE", ""), "name": rec.get("NAME", "") or ident,
                        "idType": rec.get("IDTYPE", "") or "c8y_Serial",
                        "path": rec.get("PATH", ""),
                        "agent": rec.get("com_cumulocity_model_Agent.active", ""),
                    }
                    created += 1
                    continue
                entry = {"bulkNewDeviceStatus": "FAILED", "failureReason": why, "line": line}
                if ident:
                    entry["deviceId"] = ident
                failed.append(entry)
            save_requests(self.server.dir, reqs)
        result = {"numberOfAll": len(rows) - 1, "numberOfCreated": created,
                  "numberOfFailed": len(failed), "numberOfSuccessful": created,
                  "credentialUpdatedList": [], "failedCreationList": failed}
        accept = self.headers.get("Accept")
        if accept is None:
            # "for all PUT/POST requests accept header should be provided,
            # otherwise an empty response body will be returned"
            return self.send(201, None, b"")
        ctype = ("application/json" if "application/json" in accept else
                 "application/vnd.com.nsn.cumulocity.bulkNewDeviceRequest+json")
        return self.send(201, ctype, json.dumps(result).encode())

    def est(self, call, raw):
        """The two EST calls (see the top); every outcome goes to est.log."""
        auth = self.headers.get("Authorization", "")
        ctype = self.headers.get("Content-Type", "")
        code, note = self.est_answer(call, auth, ctype, raw)
        with LOCK, open(os.path.join(self.server.dir, "est.log"), "a") as f:
            f.write("%s %s auth=%s content-type=%s %s\n" % (
                call, code, auth.split(" ", 1)[0] or "-",
                ctype.replace(" ", "") or "-", note))

    def est_answer(self, call, auth, ctype, raw):
        d = self.server.dir
        off = read_word(os.path.join(d, "ca.off"))
        if off == "close":
            self.close_connection = True
            return "close", "the CA is off: closed"
        if off == "404":
            self.error(404, "certificate-authority/Not Found", "Failed to retrieve tenant keypair")
            return 404, "the CA is off: no keypair"
        if off is not None:
            self.error(503, "certificate-authority/Service Unavailable",
                       "The certificate authority is not available")
            return 503, "the CA is off"
        # Cumulocity's statuses for the refusals are not all confirmed: a
        # field report has 401 with NO_REQUEST before a registration and
        # with FULL_AUTH for no Authorization; 415 and the 400s are ours.
        www = (("WWW-Authenticate", 'Basic realm="Cumulocity"'),)
        scheme, _, cred = auth.partition(" ")
        otp = None
        if call == "simpleenroll":
            if scheme.lower() != "basic":
                self.error(401, "security/Unauthorized", FULL_AUTH, www)
                return 401, "no Basic credentials"
            try:
                ident, colon, otp = base64.b64decode(cred, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                ident, colon, otp = "", "", ""
            if not colon:
                self.error(401, "security/Unauthorized", "Invalid credentials!", www)
                return 401, "malformed Basic credentials"
            reg = load_requests(d).get(ident)
            if reg is None or not hmac.compare_digest(reg["otp"].encode(), otp.encode()):
                self.error(401, "security/Unauthorized", NO_REQUEST, www)
                return 401, "no registration for %s with that OTP" % ident
        else:
            if scheme.lower() != "bearer":
                why = FULL_AUTH if not auth else "Invalid credentials!"
                self.error(401, "security/Unauthorized", why, www)
                return 401, "no Bearer token"
            claims, why = jwt_claims(d, cred.strip())
            if claims is None:
                self.error(401, "security/Unauthorized", "Invalid credentials! (%s)" % why, www)
                return 401, why
            sub = claims.get("sub")
            prefix = TENANT + "/device_"
            ident = sub[len(prefix):] if isinstance(sub, str) and sub.startswith(prefix) else None
        if ctype.split(";", 1)[0].strip().lower() != "application/pkcs10":
            self.error(415, "certificate-authority/Unsupported Media Type",
                       "Content-Type must be application/pkcs10")
            return 415, "not application/pkcs10"
        try:
            der = base64.b64decode(b"".join(raw.split()), validate=True)
        except binascii.Error:
            der = b""
        with LOCK, tempfile.TemporaryDirectory() as tmp:
            why, cn = csr_problem(der, tmp) if der else (
                "Invalid CSR: the body is no base64 DER PKCS#10 request", None)
            if why is None and ident is not None and cn != ident:
                why = "The CSR's common name %s is not the device ID %s" % (cn, ident)
            if why is None and ident is None and cn not in created_devices(d) | issued_cns(d):
                why = ("The CSR's common name %s is no device the stand-in knows "
                       "(the token names none)" % cn)
            if why is None and call == "simpleenroll":
                # the same registration still there, under the lock
                if load_requests(d).get(ident, {}).get("otp") != otp:
                    self.error(401, "security/Unauthorized", NO_REQUEST, www)
                    return 401, "registration gone meanwhile"
            if why is not None:
                self.error(400, "certificate-authority/Bad Request", why)
                return 400, why
            return self.issue(call, der, cn, tmp, ident)

    def issue(self, call, der, cn, tmp, ident):
        d = self.server.dir
        form = setting(d, "est-reply", "C8Y_STANDIN_EST_REPLY", "pkcs7")
        days = setting(d, "cert-days", "C8Y_STANDIN_CERT_DAYS", "365")
        if form not in ("pkcs7", "pem-201") or not days.isdigit() or int(days) < 1:
            self.error(500, "general/Internal Server Error",
                       "stand-in: bad est-reply %r or cert-days %r" % (form, days))
            return 500, "misconfigured"
        with open(os.path.join(tmp, "csr.der"), "wb") as f:
            f.write(der)
        with open(os.path.join(tmp, "ext"), "w") as f:
            f.write(NO_EXTENSIONS)
        cert = os.path.join(tmp, "cert.pem")
        rc, _ = run(["x509", "-req", "-inform", "DER", "-in", os.path.join(tmp, "csr.der"),
                     "-CA", os.path.join(d, "tenant-ca.pem"),
                     "-CAkey", os.path.join(d, "tenant-ca.key"),
                     "-set_serial", str(next_serial()), "-days", days,
                     "-extfile", os.path.join(tmp, "ext"), "-extensions", "e", "-out", cert])
        rc2, out = run(["x509", "-in", cert, "-noout", "-serial", "-enddate"])
        if rc != 0 or rc2 != 0:
            self.error(500, "general/Internal Server Error", "stand-in: openssl failed")
            return 500, "openssl failed"
        fields = dict(l.split("=", 1) for l in out.splitlines() if "=" in l)
        not_after = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.strptime(
            fields["notAfter"], "%b %d %H:%M:%S %Y GMT"))
        if form == "pkcs7":
            rc, _ = run(["crl2pkcs7", "-nocrl", "-certfile", cert, "-outform", "DER",
                         "-out", os.path.join(tmp, "p7.der")])
            if rc != 0:
                self.error(500, "general/Internal Server Error", "stand-in: openssl failed")
                return 500, "openssl failed"
            with open(os.path.join(tmp, "p7.der"), "rb") as f:
                body, code, ctype = base64.b64encode(f.read()), 200, P7_TYPE
        else:
            with open(cert, "rb") as f:
                body, code, ctype = f.read(), 201, "application/x-pem-file"
        if call == "simpleenroll":
            reqs = load_requests(d)
            del reqs[ident]
            save_requests(d, reqs)
        with open(os.path.join(d, "issued.log"), "a") as f:
            f.write("%s %s %s\n" % (fields["serial"], cn, not_after))
        self.send(code, ctype, body)
        return code, "issued %s to %s" % (fields["serial"], cn)


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

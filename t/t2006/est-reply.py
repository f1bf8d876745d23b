#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A canned EST server for t2006: the answers the stand-in does not give.

Usage: est-reply.py DIR CERT KEY. Listens with TLS (CERT, KEY) on a free
port of 127.0.0.1, writes the port to DIR/port, and answers every POST
with the status in DIR/status (default 200), the Content-Type in
DIR/type (default application/pkcs7-mime) and the bytes of DIR/body.
Each request is appended to DIR/requests: the request line, the headers
and the body, then a line "--".
"""
import os
import ssl
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


def read(path, default):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return default


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        d = self.server.dir
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(os.path.join(d, "requests"), "ab") as f:
            f.write(self.requestline.encode() + b"\n")
            for k, v in self.headers.items():
                f.write(("%s: %s\n" % (k, v)).encode())
            f.write(b"\n")
            f.write(body + b"--\n")
        code = int(read(os.path.join(d, "status"), b"200").strip())
        reply = read(os.path.join(d, "body"), b"")
        self.send_response(code)
        self.send_header("Content-Type",
                         read(os.path.join(d, "type"), b"application/pkcs7-mime").decode().strip())
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


def main():
    d, cert, key = sys.argv[1:4]
    srv = HTTPServer(("127.0.0.1", 0), Handler)
    srv.dir = d
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(os.path.join(d, "port.tmp"), "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
    srv.serve_forever()


if __name__ == "__main__":
    main()

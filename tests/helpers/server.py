"""A local HTTP server on 127.0.0.1 for the offline download tests (never a real host).

Serves the files under a folder with ``Range`` support (206 partial content), an ``ETag``
holding the MD5 of each file (as S3 does for OpenNeuro), optional one-time interruption of a
transfer after some bytes, optional corruption of the bytes served, and an optional GraphQL
endpoint (``POST /crn/graphql``) answered by a test-supplied function.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit


class LocalServer:
    """Serve ``root`` on ``http://127.0.0.1:<port>/`` in a daemon thread (context manager)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.log: list[tuple[str, str, str | None]] = []  # method, path, Range header
        self.cut_once: dict[str, int] = {}  # path -> bytes sent before dropping the connection
        self.corrupt: set[str] = set()  # paths served with flipped bytes (ETag unchanged)
        self.graphql: Callable[[dict], dict] | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def _file(self) -> tuple[str, Path | None]:
                rel = unquote(urlsplit(self.path).path).lstrip("/")
                path = (server.root / rel).resolve()
                inside = path.is_relative_to(server.root.resolve()) and path.is_file()
                return rel, path if inside else None

            def _body(self, rel: str, path: Path) -> bytes:
                data = path.read_bytes()
                if rel in server.corrupt:
                    data = bytes(b ^ 0xFF for b in data[:16]) + data[16:]
                return data

            def do_HEAD(self) -> None:
                rel, path = self._file()
                server.log.append(("HEAD", rel, self.headers.get("Range")))
                if path is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(path.stat().st_size))
                self.send_header("ETag", f'"{hashlib.md5(path.read_bytes()).hexdigest()}"')
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()

            def do_GET(self) -> None:
                rel, path = self._file()
                range_header = self.headers.get("Range")
                server.log.append(("GET", rel, range_header))
                if path is None:
                    self.send_error(404)
                    return
                data = self._body(rel, path)
                start = 0
                if range_header and range_header.startswith("bytes="):
                    start = int(range_header[6:].split("-")[0] or 0)
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", f'"{hashlib.md5(path.read_bytes()).hexdigest()}"')
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                cut = server.cut_once.pop(rel, None)
                if cut is not None:
                    self.wfile.write(body[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                query = json.loads(self.rfile.read(length) or b"{}")
                server.log.append(("POST", urlsplit(self.path).path, None))
                if server.graphql is None:
                    self.send_error(404)
                    return
                body = json.dumps(server.graphql(query)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def ranges(self, rel: str) -> list[str | None]:
        """Range headers of the GET requests for ``rel``."""
        return [rng for method, path, rng in self.log if method == "GET" and path == rel]

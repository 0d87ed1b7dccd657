"""A service in another language behind the gateway: it trusts the identity headers nginx sets
(nginx removes any copy a client sent) and knows nothing about tokens."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def answer(self):
        body = json.dumps({
            "path": self.path,
            "subject": self.headers.get("X-Portcullis-Subject") or None,
            "client": self.headers.get("X-Portcullis-Client") or None,
            "scopes": (self.headers.get("X-Portcullis-Scopes") or "").split(),
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = answer
    do_POST = answer

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client closing a keep-alive connection (the bench, at the end of a run) is not an error.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


if __name__ == "__main__":
    Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()

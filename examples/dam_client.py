#!/usr/bin/env python3
"""Likeness seen from the image bank's side: a DAM that talks to Likeness over HTTP only.

It imports nothing from Likeness: only the standard library, Pillow (to make photos) and
`standardwebhooks` (to verify signatures). Against an instance filled by `flask seed-demo`
and an API key of an integration that allows `127.0.0.1:<receiver port>`:

1. registers 100 photos (the two seeded photos of the consenting person among them) and
   waits until the person's photos are `allowed` on the website;
2. runs a webhook receiver on 127.0.0.1 that verifies every signature and processes
   each `webhook-id` once, and registers it as an endpoint;
3. withdraws the person's consent the way the person would: asks the portal for the
   manage link, reads it from the email (a tiny SMTP sink on loopback), and withdraws;
4. prints how long `consent.withdrawn` and `asset.permissions_changed` took to arrive,
   and checks that the next permission query says `denied`, reason `withdrawn`.

    python examples/dam_client.py --base-url http://127.0.0.1:5000 --api-key lk_... \
        --receiver-port 8765 --smtp-port 8025

Exit code 0 when every step did what it should; 1 with the reason otherwise.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import http.cookiejar
import io
import json
import random
import re
import socketserver
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

PERSON_EMAIL = "barack@example.org"
PERSON_PHOTOS = ("obama.jpg", "obama3.jpg")  # what seed-demo tags to that person
CHANNEL = "website"


# --- the receiver ------------------------------------------------------------------


class Receiver:
    """Webhooks on 127.0.0.1: a bad signature or a stale timestamp is 400; a message whose
    `webhook-id` was processed already is answered 204 and not processed again."""

    def __init__(self, port: int = 0, secret: str | None = None) -> None:
        self.secret = secret
        self.status = 204  # what it answers (tests make it fail on purpose)
        self.delay = 0.0  # seconds before answering (tests make it slow)
        self.processed: list[dict[str, Any]] = []  # payloads, with `received_at`
        self.requests = 0  # every POST that arrived, refused ones included
        self.refused = 0
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(receiver.handle(body, dict(self.headers.items())))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str = "/likeness-events") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def handle(self, body: bytes, headers: dict[str, str]) -> int:
        with self._lock:
            self.requests += 1
        if self.delay:
            time.sleep(self.delay)
        if self.status >= 300:
            return self.status
        try:
            payload = Webhook(self.secret or "").verify(body, headers)
        except (WebhookVerificationError, ValueError):
            with self._lock:
                self.refused += 1
            return 400
        msg_id = {k.lower(): v for k, v in headers.items()}["webhook-id"]
        with self._arrived:
            if msg_id not in self._seen:  # at-least-once delivery: process once
                self._seen.add(msg_id)
                self.processed.append({**payload, "webhook_id": msg_id,
                                       "received_at": time.time()})
                self._arrived.notify_all()
        return 204

    def wait_for(self, types: set[str], *, timeout: float) -> dict[str, dict[str, Any]]:
        """The first processed message of each type (waits until all came or `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                found: dict[str, dict[str, Any]] = {}
                for message in self.processed:
                    found.setdefault(message["type"], message)
                if types <= set(found) or time.monotonic() >= deadline:
                    return found
                self._arrived.wait(max(0.0, deadline - time.monotonic()))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- a loopback SMTP sink ------------------------------------------------------------


class SmtpSink:
    """Just enough SMTP to receive the portal's emails on 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.messages: list[email.message.EmailMessage] = []
        sink = self

        class Session(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.reply("220 sink")
                while line := self.rfile.readline():
                    verb = line.decode("latin-1").strip().split(" ", 1)[0].upper()
                    if verb == "EHLO":
                        self.reply("250-sink\r\n250 8BITMIME")
                    elif verb == "DATA":
                        self.reply("354 go on")
                        data = b""
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        sink.messages.append(email.message_from_bytes(
                            data, policy=email.policy.default))
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 ok")

            def reply(self, text: str) -> None:
                self.wfile.write(text.encode() + b"\r\n")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", port), Session)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for_link(self, to: str, marker: str, *, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.messages):
                if to in str(message.get("To", "")):
                    text = _text_of(message)
                    found = re.search(r"https?://\S*" + re.escape(marker) + r"[^\s\"<>]*", text)
                    if found:
                        return found.group(0)
            time.sleep(0.1)
        raise Failure(f"no email to {to} with a link containing {marker}")

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _text_of(message: email.message.Message) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    return "\n".join(str(part.get_content()) for part in parts  # type: ignore[attr-defined]
                     if part.get_content_type() == "text/plain")


# --- the API, over HTTP --------------------------------------------------------------


class Failure(Exception):
    pass


class Likeness:
    def __init__(self, base_url: str, api_key: str) -> None:
        self.base = base_url.rstrip("/")
        self.key = api_key
        # The portal (a person's browser): cookies for its CSRF-protected forms.
        self.browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def api(self, method: str, path: str, *, body: bytes | None = None,
            content_type: str = "application/json") -> tuple[int, Any]:
        request = urllib.request.Request(  # noqa: S310 (the base URL is ours to give)
            self.base + "/api/v1" + path, data=body, method=method)
        request.add_header("Authorization", f"Bearer {self.key}")
        if body is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw.startswith(b"{") else raw

    def put_photo(self, external_id: str, data: bytes) -> int:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"{external_id}.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
                ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
        status, answer = self.api("PUT", f"/assets/{external_id}", body=body,
                                  content_type=f"multipart/form-data; boundary={boundary}")
        if status not in (200, 201):
            raise Failure(f"PUT {external_id}: {status} {answer}")
        return status

    def permission(self, external_id: str) -> dict[str, Any]:
        status, answer = self.api("GET", f"/assets/{external_id}/permissions?channel={CHANNEL}")
        if status != 200:
            raise Failure(f"permissions of {external_id}: {status} {answer}")
        return dict(answer)

    def page(self, url: str, form: dict[str, str] | None = None) -> str:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        with self.browser.open(url if url.startswith("http") else self.base + url,
                               data=data, timeout=60) as response:
            return str(response.read().decode())


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    if not found:
        raise Failure("no CSRF token on the page")
    return found.group(1)


def photo(seed: int) -> bytes:
    """A small landscape-like JPEG without people."""
    from PIL import Image  # the image bank's own tooling; nothing from Likeness

    rng = random.Random(seed)  # noqa: S311
    image = Image.new("RGB", (96, 64), (rng.randrange(256), rng.randrange(256), 200))
    for _ in range(30):
        x, y = rng.randrange(96), rng.randrange(64)
        image.putpixel((x, y), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


# --- the story -----------------------------------------------------------------------


def run(args: argparse.Namespace) -> None:
    likeness = Likeness(args.base_url, args.api_key)
    sink = SmtpSink(args.smtp_port)
    receiver = Receiver(args.receiver_port)
    try:
        story(likeness, sink, receiver, args)
    finally:
        receiver.stop()
        sink.stop()


def story(likeness: Likeness, sink: SmtpSink, receiver: Receiver,
          args: argparse.Namespace) -> None:
    started = time.monotonic()
    person_ids = [f"DEMO-{name.split('.')[0].upper()}" for name in PERSON_PHOTOS]
    for external_id, name in zip(person_ids, PERSON_PHOTOS, strict=True):
        likeness.put_photo(external_id, (Path(args.photos) / name).read_bytes())
    with ThreadPoolExecutor(max_workers=4) as pool:  # as a DAM's bulk sync would
        list(pool.map(lambda n: likeness.put_photo(f"STOCK-{n:03d}", photo(n)),
                      range(100 - len(person_ids))))
    print(f"registered 100 photos in {time.monotonic() - started:.1f} s")

    deadline = time.monotonic() + args.timeout
    while True:
        decisions = [likeness.permission(e)["decision"] for e in person_ids]
        if all(d == "allowed" for d in decisions):
            break
        if time.monotonic() > deadline:
            raise Failure(f"the person's photos are not allowed on {CHANNEL}: {decisions}")
        time.sleep(0.5)
    print(f"{', '.join(person_ids)}: allowed on {CHANNEL}")

    status, endpoint = likeness.api("POST", "/webhooks", body=json.dumps(
        {"url": receiver.url()}).encode())
    if status != 201:
        raise Failure(f"registering the receiver: {status} {endpoint}")
    receiver.secret = endpoint["secret"]
    print(f"receiver {receiver.url()} registered as endpoint {endpoint['id']}")

    # The person withdraws, through the portal, with the link from their email.
    form = likeness.page("/consent")
    likeness.page("/consent", {"csrf_token": csrf_token(form), "email": PERSON_EMAIL})
    manage = sink.wait_for_link(PERSON_EMAIL, "/consent/manage/", timeout=args.timeout)
    overview = likeness.page(manage)
    withdraw = re.search(r'href="([^"]*/withdraw/\d+\?scope=all)"', overview)
    if not withdraw:
        raise Failure("the manage page offers no withdrawal")
    confirm = likeness.page(withdraw.group(1))
    withdrawn_at = time.time()
    likeness.page(withdraw.group(1), {"csrf_token": csrf_token(confirm)})
    wanted = {"consent.withdrawn", "asset.permissions_changed"}
    arrived = receiver.wait_for(wanted, timeout=args.timeout)
    if not wanted <= set(arrived):
        raise Failure(f"the receiver got {sorted(arrived)}, not {sorted(wanted)}")
    for kind in sorted(wanted):
        delay = arrived[kind]["received_at"] - withdrawn_at
        print(f"{kind}: arrived {delay:.2f} s after the withdrawal "
              f"({'within' if delay <= 2 else 'NOT within'} 2 s), signature verified")
    named = set(arrived["consent.withdrawn"]["data"]["external_ids"])
    if not set(person_ids) <= named:
        raise Failure(f"consent.withdrawn names {sorted(named)}, not {person_ids}")
    for external_id in person_ids:
        answer = likeness.permission(external_id)
        codes = {r["code"] for face in answer["faces"] for r in face["reasons"]}
        if answer["decision"] != "denied" or "withdrawn" not in codes:
            raise Failure(f"{external_id} after the withdrawal: {answer['decision']} {codes}")
    print(f"{', '.join(person_ids)}: denied on {CHANNEL}, reason withdrawn")
    print(f"receiver: {len(receiver.processed)} messages processed, "
          f"{receiver.refused} refused")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--receiver-port", type=int, required=True)
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--photos", default=str(Path(__file__).parent.parent / "tests"
                                                / "fixtures"))
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    try:
        run(args)
    except Failure as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``pst-kiosk serve FACE``: a face in the browser through textual-serve, for a second
counter PC in the office. Offline: the page loads nothing from outside (our template
drops textual-serve's web-font link and uses its bundled font). Each browser tab runs its
own app process against this host's store; all state lives in the store."""

from __future__ import annotations

import argparse
import asyncio
import logging
import shlex
import ssl
import sys
from contextlib import suppress
from pathlib import Path

import textual_serve
from aiohttp import web
from textual_serve.server import Server, to_int

from kiosk.config import Settings
from kiosk.errors import ConfigError
from kiosk.listen import check_address as _check_address
from screens.serve_apps import HEARTBEAT, QUIT_GRACE, TERM_GRACE, TabApp

log = logging.getLogger("textual-serve")

TEMPLATES = Path(__file__).resolve().parent / "serve_templates"
STATICS = Path(textual_serve.__file__).resolve().parent / "static"


def face_command(face: str, args: argparse.Namespace) -> str:
    """The command each browser tab runs: this program, the same store and config."""
    parts = [sys.executable, "-m", "screens.main"]
    for option in ("db", "config", "lang"):
        value = getattr(args, option, None)
        if value:
            parts += [f"--{option}", str(value)]
    parts += ["central", "dashboard"] if face == "central" else [face]  # the centre's face, with a reader's DSN
    if face == "counter" and getattr(args, "counter", None):
        parts += ["--counter", str(args.counter)]
    if face == "display":  # a tab's app runs here: its voice would come from this host's
        parts.append("--silent")  # speaker, once per open tab, not from the screen watched
    return shlex.join(parts)


class _Server(Server):
    """textual-serve's server, owning the tabs' apps: at most ``max_apps`` at once (a tab
    past it gets a page saying so and starts nothing), each ended as soon as its browser
    has gone (``serve_apps.TabApp``), all ended when the server stops -- its own shutdown
    waited a minute for open websockets and, killed then, left each app holding the store.
    HTTPS when given an ``ssl_context``."""

    def __init__(self, command: str, *, max_apps: int,
                 ssl_context: ssl.SSLContext | None = None, **kwargs) -> None:  # noqa: ANN003
        scheme = "https" if ssl_context is not None else "http"
        super().__init__(command, public_url=f"{scheme}://{kwargs['host']}:{kwargs['port']}", **kwargs)
        self.max_apps = max_apps
        self.ssl_context = ssl_context
        self.tabs: set[TabApp] = set()

    def full(self) -> bool:
        return sum(tab.running for tab in self.tabs) >= self.max_apps

    def _full_page(self) -> web.Response:
        """The page of a tab past the cap: in Indonesian, then English; nothing started."""
        from html import escape

        from kiosk.i18n import t

        def words(lang: str) -> str:
            return (f'<section lang="{lang}"><h1>{escape(t("serve.full_title", lang))}</h1>'
                    f"<p>{escape(t('serve.full_body', lang, max=self.max_apps))}</p></section>")

        body = (f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>'
                f'{escape(t("serve.full_title", "id"))}</title></head><body id="full">'
                f'{words("id")}<hr>{words("en")}<p><a href="/">{escape(t("serve.full_retry", "id"))} / '
                f'{escape(t("serve.full_retry", "en"))}</a></p></body></html>')
        return web.Response(status=503, text=body, content_type="text/html", headers={"Retry-After": "30"})

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if self.full():
            return self._full_page()
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        """One tab: its app runs while the browser is there, and ends within seconds of its
        going, however it went (closed, crashed, network cut: no pong to a 3 s ping)."""
        if self.full():  # a socket opened past the cap (a stale page, a script): nothing starts
            return self._full_page()
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT, timeout=2.0)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        tab = TabApp(self.command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                     close=websocket.close, download_manager=self.download_manager, debug=self.debug)
        self.tabs.add(tab)
        try:
            await websocket.prepare(request)
            await tab.start(width, height)
            talk = asyncio.ensure_future(self._process_messages(websocket, tab))
            gone = asyncio.ensure_future(tab.gone.wait())
            watched = {talk, gone} | ({tab._task} if tab._task is not None else set())
            await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
            for task in (talk, gone):
                task.cancel()
            if talk.done() and not talk.cancelled() and talk.exception() is not None:
                log.warning("tab %s: %s", tab.pid, talk.exception())
        except asyncio.CancelledError:
            pass
        except Exception as error:  # noqa: BLE001 - one tab's failure must not stop the others
            log.exception(error)
        finally:
            await tab.stop()
            self.tabs.discard(tab)
            with suppress(Exception):
                await asyncio.wait_for(websocket.close(), 2.0)
        return websocket

    async def on_shutdown(self, app) -> None:  # noqa: ANN001
        await super().on_shutdown(app)
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(tab.stop() for tab in list(self.tabs)),
                                                  return_exceptions=True), QUIT_GRACE + TERM_GRACE + 3)
        stop_descendants()

    def serve(self, debug: bool = False) -> None:
        """textual-serve's ``serve``, with TLS and a short shutdown (the apps are ended by
        then); SIGTERM and Ctrl+C stop it."""
        import signal

        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            with suppress(NotImplementedError):
                loop.add_signal_handler(sig, self.request_exit)
        web.run_app(self._make_app(), host=self.host, port=self.port, ssl_context=self.ssl_context,
                    handle_signals=False, loop=loop, print=lambda *args: None, shutdown_timeout=5)


def stop_descendants() -> None:
    """SIGKILL to whatever this process started and is still there once every tab's app
    was asked to end (each app also dies with the server: PR_SET_PDEATHSIG). Linux
    (/proc); elsewhere nothing to do here."""
    import os
    import signal

    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
            parents[int(entry.parent.name)] = int(fields[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile, or not a process
    family, found = {os.getpid()}, True
    while found:
        found = False
        for pid, parent in parents.items():
            if parent in family and pid not in family:
                family.add(pid)
                found = True
    for pid in family - {os.getpid()}:
        with suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def tls_context(certfile: Path | None, keyfile: Path | None) -> ssl.SSLContext | None:
    """The server's TLS context from a PEM certificate (chain) and its key; None without a
    certificate. An unreadable file or a pair that does not match is a ConfigError (exit 6)."""
    if keyfile is not None and certfile is None:
        raise ConfigError("serve.key_without_cert")
    if certfile is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    for path in (certfile, keyfile):
        if path is not None and not Path(path).is_file():
            raise ConfigError("serve.cert_unreadable", path=str(path), detail_key="serve.no_file")
    try:
        # A key that wants a passphrase is refused, not asked for on the terminal.
        context.load_cert_chain(str(certfile), str(keyfile) if keyfile else None, password=lambda: b"")
    except ssl.SSLError as exc:
        raise ConfigError("serve.cert_invalid", cert=str(certfile), keypath=str(keyfile or certfile),
                          detail=exc.reason or str(exc)) from None
    except OSError as exc:
        raise ConfigError("serve.cert_unreadable", path=str(exc.filename or certfile),
                          detail=exc.strerror or str(exc)) from None
    return context


def loopback_only(host: str) -> bool:
    """True when ``host`` is reachable from this machine only (127.0.0.0/8, ::1, a name for
    them); 0.0.0.0, :: and the office LAN's addresses are not."""
    import ipaddress
    import socket

    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    try:
        return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)
    except ValueError:
        return False


def run_serve(settings: Settings, args: argparse.Namespace) -> int:
    from kiosk.i18n import t

    lang = args.lang or settings.kiosk.language
    certfile = Path(args.certfile) if getattr(args, "certfile", None) else settings.serve.certfile
    keyfile = Path(args.keyfile) if getattr(args, "keyfile", None) else settings.serve.keyfile
    if getattr(args, "certfile", None) and not getattr(args, "keyfile", None):
        keyfile = None  # a certificate given here goes with the key given here (or inside it)
    context = tls_context(certfile, keyfile)
    given = getattr(args, "max_apps", None)
    max_apps = given if given is not None else settings.serve.max_apps
    if max_apps < 1:
        raise ConfigError("serve.bad_max_apps", value=max_apps)
    _check_address(args.host, args.port)
    if context is None and not loopback_only(args.host):
        print(t("serve.clear_text", lang, host=args.host), file=sys.stderr)
    server = _Server(face_command(args.face, args), host=args.host, port=args.port,
                     title=f"PST {args.face} • {settings.office.name}", max_apps=max_apps,
                     ssl_context=context, statics_path=STATICS, templates_path=TEMPLATES)
    server.serve()
    return 0

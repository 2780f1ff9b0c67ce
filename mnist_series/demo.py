"""Draw a digit: a local web page where the series' saved models read your handwriting.

    make demo                                  # or: python -m mnist_series.demo
    python -m mnist_series.demo --port 8001    # another port
    python -m mnist_series.demo --models DIR   # models saved elsewhere

It serves on 127.0.0.1 only (nothing outside this machine can reach it) and prints
its address. The page (``demo_page/``: HTML, script and style, all served from here)
has a canvas to draw on with a mouse or a finger; while you draw, it sends the
canvas as a PNG picture and shows what comes back: the 28 x 28 image the model
reads, after ``prepare_digit``'s steps (notebook 6), and the ten probabilities.

The routes:

- ``GET /``: the page; ``GET /static/...``: its script and style;
- ``GET /models``: the series' models, each saved or not (and if not, the notebook
  that saves it);
- ``POST /read?model=NAME`` with a picture as the body: JSON with the digit read,
  the ten probabilities and the prepared image (0 to 255, ink high, as in MNIST).

Every answer that is not the page, its files or JSON is one line of plain text, and the
server goes on serving: 400 for an empty body; 403 for a path outside the page's folder;
404 for an unknown path, a model that is not in the series, or one not saved in the models
folder (naming that folder and the notebook that saves the model); 405 for a method a route
does not answer; 413 for a body over ``MAX_BODY`` bytes (past ``DRAIN_LIMIT``, announced or
sent in chunks, the answer comes at once and the connection is closed); 422 for a picture
the demo does not read: not a PNG (the page sends PNG), more than ``MAX_PIXELS`` pixels
by its header (refused before decoding), no digit (blank, or ink that is scattered dots),
or ink that does not look like a digit (over ``MAX_MARKS`` separate marks, or ink over
``MAX_INK`` of the picture, as random noise has); 503 for a saved model that cannot be read.

Each request's work is bounded before any analysis: the PNG header's size, then the marks
and the share of ink, counted with a few array operations, so that one client sending odd
pictures cannot keep the two worker threads from the class's drawings.

Models read in inference mode (``predict_on_batch``): called directly, notebook 5's model
would first move and turn the drawing with its augmentation layers.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import struct
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import tornado.httpserver
import tornado.httputil
import tornado.netutil
import tornado.web
from PIL import Image

from mnist_series import saved_models
from mnist_series.own_digit import DigitImageError, prepare_digit

PAGE = Path(__file__).resolve().parent / "demo_page"
HOST = "127.0.0.1"  # this machine only
PORT = 8000
MAX_BODY = 1_000_000  # bytes; the page's 280 x 280 PNG is 5 to 20 kB
DRAIN_LIMIT = 20 * MAX_BODY  # a larger body is not read to the end: the connection is closed
MAX_PIXELS = 1_000_000  # by the PNG's header; the page's pad is 280 x 280 = 78,400 pixels
# What ink that looks like a digit stays within. A mark is counted where ink starts with no
# ink above it or to its left: the ten sample digits drawn as the page sends them have 2 to
# 35, random noise hundreds to thousands. Their ink covers 8 to 16 % of the pad, noise half
# of it or more.
MAX_MARKS = 150
MAX_INK = 0.4
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WORKERS = 2  # pictures prepared and read at once (threads; Keras and NumPy release the GIL)
MODELS = [chapter.name for chapter in saved_models.SERIES]  # softmax ... cnn_plus, in order


class Refused(Exception):
    """A request the server answers with ``status`` and a one-line ``message``."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class Reader:
    """The saved models of one folder, each loaded once, and what they make of a picture."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder else saved_models.models_dir()
        self._models: dict[str, object] = {}
        self._lock = threading.Lock()
        # One prediction at a time per model. Keras does not promise that a model can predict
        # from two threads at once, and on JAX it cannot: predict_on_batch hands the weights'
        # buffers to the compiled function ("donates" them) and stores the ones it returns,
        # so a second thread finds its buffers deleted. A prediction takes milliseconds; the
        # server's threads still prepare pictures side by side.
        self._predicting: dict[str, threading.Lock] = {}

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.keras"

    def missing(self, name: str) -> str | None:
        """Why model ``name`` cannot be read from this folder (None if it is there): the
        folder the demo reads, and the notebook that saves the model."""
        if self.path(name).is_file():
            return None
        notebook = saved_models.chapter(name).notebook
        saves_to = saved_models.models_dir()
        if saves_to.resolve() == self.folder.resolve():
            return (
                f"{self.path(name)} is missing: run notebooks/{notebook} (Restart & Run All),"
                " which trains and saves it, then reload this page"
            )
        return (
            f"{self.path(name)} is missing: notebooks/{notebook} (Restart & Run All) saves it"
            f" into {saves_to}; copy it into {self.folder}, then reload this page"
        )

    def catalogue(self) -> list[dict]:
        """Every model of the series: its name, title, notebook, and whether it is saved."""
        entries = []
        for name in MODELS:
            chapter = saved_models.chapter(name)
            missing = self.missing(name)
            entries.append({"name": name, "title": chapter.title, "notebook": chapter.notebook,
                            "saved": missing is None, "missing": missing})  # fmt: skip
        return entries

    def model(self, name: str):
        if name not in MODELS:
            raise Refused(404, f"no model called {name!r}: choose one of {', '.join(MODELS)}")
        with self._lock:  # two first requests for one model load it once
            if name not in self._models:
                if self.missing(name):
                    raise Refused(404, self.missing(name))
                try:
                    model = saved_models.load(name, self.folder)
                except saved_models.MissingModelError:
                    raise Refused(404, self.missing(name) or f"{self.path(name)} is gone") from None
                except saved_models.UnusableModelError as error:
                    # saved_models names the file as notebooks see it; here, where it is.
                    message = str(error).replace(f"models/{name}.keras", str(self.path(name)), 1)
                    raise Refused(503, message) from None
                # predict_on_batch: inference mode, through a compiled function (about six
                # times faster than calling the model); its first call compiles it, here.
                model.predict_on_batch(np.zeros((1, *model.input_shape[1:]), np.float32))
                self._predicting[name] = threading.Lock()
                self._models[name] = model
            return self._models[name]

    def read(self, name: str, picture: bytes) -> dict:
        """The digit that model ``name`` reads in ``picture`` (a picture file's bytes)."""
        model = self.model(name)
        screen(picture)
        try:
            image = prepare_digit(picture, max_pixels=MAX_PIXELS)
        except DigitImageError as error:
            raise Refused(422, str(error)) from None
        batch = image.reshape((1, *model.input_shape[1:]))  # (1, 784) or (1, 28, 28, 1)
        with self._predicting[name]:
            probabilities = np.asarray(model.predict_on_batch(batch), dtype=np.float64)[0]
        return {
            "model": name,
            "digit": int(probabilities.argmax()),
            "probabilities": [round(float(p), 4) for p in probabilities],
            "image": np.round(image * 255).astype(int).tolist(),
        }


def screen(picture: bytes) -> None:
    """Refuse (422), before any analysis, a picture that is not a PNG, is larger than
    MAX_PIXELS by its header, cannot be decoded, or whose ink does not look like a digit."""
    if not picture.startswith(PNG_SIGNATURE) or picture[12:16] != b"IHDR":
        raise Refused(422, "the picture is not a PNG image: send the drawing as the page does")
    width, height = struct.unpack(">II", picture[16:24].ljust(8, b"\0"))
    if width * height > MAX_PIXELS:
        raise Refused(
            422, f"the picture is {width:,} x {height:,} pixels; the demo reads at most"
            f" {MAX_PIXELS:,} (the page sends 280 x 280)",
        )  # fmt: skip
    try:
        with Image.open(io.BytesIO(picture)) as image:
            grey = np.asarray(image.convert("L"), dtype=np.float32)
    except (OSError, ValueError, SyntaxError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise Refused(422, f"the picture could not be decoded ({reason})") from None
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    distance = np.abs(grey - np.median(border))
    if distance.max() == 0:
        return  # blank: prepare_digit says so
    ink = distance > 0.25 * distance.max()
    above = np.pad(ink, 1)  # the neighbours above (three) and to the left of each pixel
    starts = ink & ~(above[:-2, :-2] | above[:-2, 1:-1] | above[:-2, 2:] | above[1:-1, :-2])
    marks = int(starts.sum())
    if marks > MAX_MARKS:
        raise Refused(
            422, f"the ink is {marks:,} separate marks (a digit has a few strokes): clear the"
            " pad and draw one digit with connected strokes",
        )  # fmt: skip
    if ink.mean() > MAX_INK:
        raise Refused(
            422, f"ink covers {ink.mean():.0%} of the picture, more than a digit does: clear"
            " the pad and draw one digit",
        )  # fmt: skip


class Plain(tornado.web.RequestHandler):
    """Errors as one line of text, never Tornado's HTML page; a body is read in chunks
    (see ReadHandler) and, past what the route reads, refused without being kept."""

    body_limit = 0  # bytes of body this route keeps

    def prepare(self):
        self.chunks: list[bytes] = []
        self.size = 0
        # The limits are this class's: Tornado's own would answer a bare 400.
        self.request.connection.set_max_body_size(1 << 62)
        length = self.request.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > DRAIN_LIMIT:
            self.too_large(int(length))

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return
        self.size += len(chunk)
        if self.size <= self.body_limit:
            self.chunks.append(chunk)
        elif self.size > DRAIN_LIMIT:  # answered now; Tornado closes the connection
            self.too_large(self.size, more=True)

    def too_large(self, size: int, more: bool = False) -> None:
        sent = f"{size:,} bytes{' and more' if more else ''}"
        self.refuse(413, f"the request's body is {sent}; at most {self.body_limit:,} are read")

    def refuse(self, status: int, message: str) -> None:
        self.clear()
        self.set_status(status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(message + "\n")

    def write_error(self, status_code: int, **kwargs) -> None:
        reason = tornado.httputil.responses.get(status_code, "error")
        message = {
            403: "the page's files are only those in its folder",
            404: f"nothing at {self.request.path}: the page is at /",
            405: f"{self.request.path} does not answer {self.request.method}",
        }.get(status_code, "the server could not answer this request")
        self.clear()
        self.set_status(status_code)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {reason}: {message}\n")


@tornado.web.stream_request_body
class Files(Plain, tornado.web.StaticFileHandler):
    """The page and its script and style, from demo_page/ only."""

    def prepare(self):
        Plain.prepare(self)


@tornado.web.stream_request_body
class NotFound(Plain):
    def prepare(self):
        super().prepare()
        if not self._finished:
            self.send_error(404)


@tornado.web.stream_request_body
class Handler(Plain):
    def initialize(self, reader: Reader, pool: ThreadPoolExecutor):
        self.reader, self.pool = reader, pool


class ModelsHandler(Handler):
    def get(self):
        self.set_header("Cache-Control", "no-store")
        self.write({"models": self.reader.catalogue()})


class ReadHandler(Handler):
    """POST /read?model=NAME: the body arrives in chunks; past MAX_BODY bytes they are
    counted and dropped, and the answer is a 413 once the client has sent it all (a
    client still sending could not read an answer given earlier). Past DRAIN_LIMIT
    (announced by Content-Length, or sent in chunks), the answer comes at once and the
    connection is closed."""

    body_limit = MAX_BODY

    async def post(self):
        if self._finished:  # refused while the body arrived
            return
        name = self.get_query_argument("model", MODELS[-1])
        if self.size > MAX_BODY:
            return self.too_large(self.size)
        picture = b"".join(self.chunks)
        if not picture:
            return self.refuse(400, "the request has no picture: send the drawing as its body")
        loop = asyncio.get_running_loop()
        try:
            answer = await loop.run_in_executor(self.pool, self.reader.read, name, picture)
        except Refused as refused:
            return self.refuse(refused.status, str(refused))
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(answer))


def quiet_log(handler: tornado.web.RequestHandler) -> None:
    """Log refused requests and server errors only (thirty drawing learners make many)."""
    status = handler.get_status()
    if status >= 400:
        request = handler.request
        print(f"{status} {request.method} {request.uri}", file=sys.stderr, flush=True)


def make_app(models_folder: Path | None = None, workers: int = WORKERS) -> tornado.web.Application:
    reader = Reader(models_folder)
    shared = {"reader": reader, "pool": ThreadPoolExecutor(max_workers=workers)}
    files = Files
    return tornado.web.Application(
        [
            (r"/()", files, {"path": PAGE, "default_filename": "index.html"}),
            (r"/static/(.*)", files, {"path": PAGE}),
            (r"/models", ModelsHandler, shared),
            (r"/read", ReadHandler, shared),
        ],
        default_handler_class=NotFound,
        log_function=quiet_log,
        reader=reader,
    )


def preload(app: tornado.web.Application) -> list[str]:
    """Load every saved model now, so that the first drawing is answered at once; the
    lines say what was loaded and what is missing."""
    reader: Reader = app.settings["reader"]
    lines = []
    for entry in reader.catalogue():
        if not entry["saved"]:
            lines.append(f"  {entry['title']}: not saved yet ({entry['missing']})")
            continue
        try:
            reader.model(entry["name"])
            lines.append(f"  {entry['title']}: {reader.path(entry['name'])}")
        except Refused as refused:
            lines.append(f"  {entry['title']}: {refused}")
    return lines


async def serve(port: int, models_folder: Path | None, ready=None) -> None:
    sockets = tornado.netutil.bind_sockets(port, address=HOST)  # a port in use fails here, fast
    port = sockets[0].getsockname()[1]  # the one chosen, for --port 0
    app = make_app(models_folder)
    start = time.perf_counter()
    print("Models:", *preload(app), sep="\n")
    print(f"Loaded in {time.perf_counter() - start:.1f} s.", flush=True)
    # Every handler streams its body and refuses what it does not read (Plain).
    tornado.httpserver.HTTPServer(app).add_sockets(sockets)
    print(f"Draw a digit at http://{HOST}:{port}/ (this machine only; Ctrl-C stops)", flush=True)
    if ready is not None:
        ready(port)
    await asyncio.Event().wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", default=str(PORT), help=f"default {PORT}; 0: any free one")
    parser.add_argument("--models", type=Path, default=None,
                        help="the folder of saved models (default: models/)")  # fmt: skip
    args = parser.parse_args(argv)
    if not args.port.isdigit() or int(args.port) > 65535:
        print(f"--port {args.port}: a port is a number from 1 to 65535 (0: any free one)",
              file=sys.stderr)  # fmt: skip
        return 2
    args.port = int(args.port)
    if args.models is not None and not args.models.is_dir():
        print(f"--models {args.models}: no such folder (the folder of saved .keras models)",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        asyncio.run(serve(args.port, args.models))
    except OSError as error:
        if "in use" in str(error) or getattr(error, "errno", None) == 98:
            print(f"port {args.port} is in use: try --port {args.port + 1} "
                  f"(make demo PORT={args.port + 1})", file=sys.stderr)  # fmt: skip
            return 1
        raise
    except KeyboardInterrupt:
        print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

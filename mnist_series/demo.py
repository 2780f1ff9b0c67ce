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

Bad input gets a one-line text answer and the server goes on serving: 400 for an
empty body, 404 for a model that is not in the series or not saved yet (naming the
notebook to run), 413 for a body over ``MAX_BODY`` bytes, 422 for a picture with no
digit to read (blank, not an image, scattered dots). Models read in inference mode
(``predict_on_batch``): called directly, notebook 5's model would first move and turn
the drawing with its augmentation layers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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

from mnist_series import saved_models
from mnist_series.own_digit import DigitImageError, prepare_digit

PAGE = Path(__file__).resolve().parent / "demo_page"
HOST = "127.0.0.1"  # this machine only
PORT = 8000
MAX_BODY = 1_000_000  # bytes; the page's 280 x 280 PNG is 5 to 20 kB
DRAIN_LIMIT = 20 * MAX_BODY  # a larger body is not read to the end: the connection is closed
MAX_PIXELS = 4_000_000  # a picture that decodes to more pixels is refused, not decoded
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

    def catalogue(self) -> list[dict]:
        """Every model of the series: its name, title, notebook, and whether it is saved."""
        entries = []
        for name in MODELS:
            chapter = saved_models.chapter(name)
            try:
                saved_models.model_path(name, self.folder)
                missing = None
            except saved_models.MissingModelError as error:
                missing = str(error)
            entries.append({"name": name, "title": chapter.title, "notebook": chapter.notebook,
                            "saved": missing is None, "missing": missing})  # fmt: skip
        return entries

    def model(self, name: str):
        if name not in MODELS:
            raise Refused(404, f"no model called {name!r}: choose one of {', '.join(MODELS)}")
        with self._lock:  # two first requests for one model load it once
            if name not in self._models:
                try:
                    model = saved_models.load(name, self.folder)
                except saved_models.MissingModelError as error:
                    raise Refused(404, str(error)) from None
                except saved_models.UnusableModelError as error:
                    raise Refused(503, str(error)) from None
                # predict_on_batch: inference mode, through a compiled function (about six
                # times faster than calling the model); its first call compiles it, here.
                model.predict_on_batch(np.zeros((1, *model.input_shape[1:]), np.float32))
                self._predicting[name] = threading.Lock()
                self._models[name] = model
            return self._models[name]

    def read(self, name: str, picture: bytes) -> dict:
        """The digit that model ``name`` reads in ``picture`` (a picture file's bytes)."""
        model = self.model(name)
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


class Handler(tornado.web.RequestHandler):
    def initialize(self, reader: Reader, pool: ThreadPoolExecutor):
        self.reader, self.pool = reader, pool

    def refuse(self, status: int, message: str) -> None:
        self.clear()
        self.set_status(status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(message + "\n")

    def write_error(self, status_code: int, **kwargs) -> None:
        """Errors as one line of text, not Tornado's HTML page."""
        reason = tornado.httputil.responses.get(status_code, "error")
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {reason}\n")


class NotFound(tornado.web.RequestHandler):
    def prepare(self):
        self.set_status(404)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish("404 Not Found\n")


class ModelsHandler(Handler):
    def get(self):
        self.set_header("Cache-Control", "no-store")
        self.write({"models": self.reader.catalogue()})


@tornado.web.stream_request_body
class ReadHandler(Handler):
    """POST /read?model=NAME: the body arrives in chunks; past MAX_BODY bytes they are
    counted and dropped, and the answer is a 413 once the client has sent it all (a
    client still sending could not read an answer given earlier). Past DRAIN_LIMIT
    (announced by Content-Length), the answer comes at once, before the body is read,
    and the connection is closed."""

    def initialize(self, reader: Reader, pool: ThreadPoolExecutor):
        super().initialize(reader, pool)
        self.chunks: list[bytes] = []
        self.size = 0

    def prepare(self):
        length = self.request.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > DRAIN_LIMIT:
            self.refuse(413, f"the picture is {int(length):,} bytes; at most {MAX_BODY:,} are read")

    def data_received(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size <= MAX_BODY:
            self.chunks.append(chunk)

    async def post(self):
        name = self.get_query_argument("model", MODELS[-1])
        if self.size > MAX_BODY:
            return self.refuse(
                413, f"the picture is {self.size:,} bytes; at most {MAX_BODY:,} are read"
            )
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
    files = tornado.web.StaticFileHandler
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
            lines.append(f"  {entry['title']}: models/{entry['name']}.keras")
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
    # Bodies over MAX_BODY are refused by ReadHandler with a 413 and a message; Tornado's
    # own limit stops a chunked body that goes on past DRAIN_LIMIT.
    tornado.httpserver.HTTPServer(app, max_body_size=DRAIN_LIMIT).add_sockets(sockets)
    print(f"Draw a digit at http://{HOST}:{port}/ (this machine only; Ctrl-C stops)", flush=True)
    if ready is not None:
        ready(port)
    await asyncio.Event().wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=PORT, help=f"default {PORT}; 0: any free one")
    parser.add_argument("--models", type=Path, default=None,
                        help="the folder of saved models (default: models/)")  # fmt: skip
    args = parser.parse_args(argv)
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

"""The draw-a-digit page (mnist_series/demo.py): its answers to good and bad requests, a
real browser drawing the sample digits' strokes on it, and a short classroom load.

The server runs in this process on 127.0.0.1 with a small CNN that the module trains in a
few seconds and saves under the series' name ``cnn`` in a temporary folder: the test does
not depend on the notebooks having saved their models first.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import io
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks import demo_load
from mnist_series import demo, offline_mnist, saved_models
from tests.browser import visit
from tests.scripts import ROOT, load_script

make_digits = load_script("data/make_digits.py")


@pytest.fixture(scope="module")
def models_folder(tmp_path_factory):
    """A folder with one saved model, ``cnn``: a small CNN trained for one epoch on 30,000
    MNIST digits (about 98 % on the test set; 10 to 20 s on two cores)."""
    import keras

    npz = os.environ.get(offline_mnist.ENV_VAR)  # the harness's local copy, if one is named
    (x_train, y_train), _ = (
        offline_mnist.load_checked(npz) if npz else keras.datasets.mnist.load_data()
    )
    x = x_train[:30_000, :, :, None].astype("float32") / 255
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y_train[:30_000], epochs=1, batch_size=128, verbose=0)
    folder = tmp_path_factory.mktemp("models")
    model.save(folder / "cnn.keras")
    return folder


@pytest.fixture(scope="module")
def server(models_folder):
    """The demo on a free port of 127.0.0.1, in a thread; yields its address."""
    started = threading.Event()
    port = []
    loop = asyncio.new_event_loop()
    serving = loop.create_task(
        demo.serve(0, models_folder, ready=lambda p: (port.append(p), started.set()))
    )

    def run():
        asyncio.set_event_loop(loop)
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(serving)

    threading.Thread(target=run, daemon=True).start()
    assert started.wait(120), "the demo did not start"
    yield f"127.0.0.1:{port[0]}"
    loop.call_soon_threadsafe(serving.cancel)


def request(address, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection(address, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.getheader("Content-Type", ""), answer.read()
    finally:
        connection.close()


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


DRAWN = dict(demo_load.drawn_digits())  # the ten sample digits as the page sends them


def drawn(digit: int) -> bytes:
    """A sample digit as the page sends it: black strokes on a white 280 x 280 PNG."""
    return DRAWN[digit]


# ------------------------------------------------------------------ requests


def test_the_page_and_its_files_are_served_from_the_machine(server):
    status, kind, page = request(server, "GET", "/")
    assert status == 200 and kind.startswith("text/html")
    for name in ("static/demo.js", "static/demo.css"):
        assert f'"{name}"'.encode() in page
        assert request(server, "GET", "/" + name)[0] == 200
    assert b"http" not in page.replace(b"http-equiv", b""), "nothing from another host"


def test_models_lists_the_series_and_what_to_run_for_a_missing_one(server, models_folder):
    status, kind, body = request(server, "GET", "/models")
    models = {entry["name"]: entry for entry in json.loads(body)["models"]}
    assert status == 200 and kind.startswith("application/json")
    assert list(models) == [chapter.name for chapter in saved_models.SERIES]
    assert models["cnn"]["saved"] and models["cnn"]["missing"] is None
    assert not models["softmax"]["saved"]
    missing = models["softmax"]["missing"]
    assert "notebooks/01_softmax_regression.ipynb" in missing
    assert str(models_folder / "softmax.keras") in missing  # the folder it reads (--models)
    assert "cell" not in missing  # a notebook's words, not a web page's


@pytest.mark.parametrize("number", [0, 3, 4, 7, 8])
def test_a_drawn_digit_is_read(server, number):
    status, kind, body = request(server, "POST", "/read?model=cnn", drawn(number))
    answer = json.loads(body)
    assert status == 200 and kind.startswith("application/json")
    assert answer["digit"] == number and answer["model"] == "cnn"
    assert len(answer["probabilities"]) == 10 and abs(sum(answer["probabilities"]) - 1) < 1e-3
    image = np.array(answer["image"])
    assert image.shape == (28, 28) and image.max() == 255 and image.min() == 0


def test_inference_mode_gives_the_same_answer_twice(server):
    first = request(server, "POST", "/read?model=cnn", drawn(5))[2]
    assert request(server, "POST", "/read?model=cnn", drawn(5))[2] == first


BLANK = png(Image.new("L", (280, 280), 255))


def png_header(width: int, height: int) -> bytes:
    """A PNG's signature and header chunk announcing ``width`` x ``height`` pixels, and no
    pixels: how a picture of any size starts."""
    fields = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + fields
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )


def noise(seed=0) -> bytes:
    return png(Image.fromarray(np.random.default_rng(seed).integers(0, 256, (280, 280), np.uint8)))


def speckled(share=0.1, seed=0) -> bytes:
    pixels = np.full((280, 280), 255, np.uint8)
    pixels[np.random.default_rng(seed).random((280, 280)) < share] = 0
    return png(Image.fromarray(pixels))


def dotted() -> bytes:
    """512 x 512, one ink pixel every 4 px: 16,384 marks in 1.5 kB."""
    pixels = np.full((512, 512), 255, np.uint8)
    pixels[::4, ::4] = 0
    return png(Image.fromarray(pixels))


def slab() -> bytes:
    pixels = np.full((280, 280), 255, np.uint8)
    pixels[20:260, 20:260] = 0
    return png(Image.fromarray(pixels))


@pytest.mark.parametrize(
    ("path", "body", "status", "says"),
    [
        ("/read?model=cnn", b"", 400, "no picture"),
        ("/read?model=cnn", BLANK, 422, "looks blank"),
        ("/read?model=cnn", b"GIF89a, or so it says", 422, "not a PNG"),
        ("/read?model=cnn", drawn(2)[:300], 422, "could not be decoded"),
        ("/read?model=cnn", png_header(5000, 5000), 422, "at most 1,000,000"),
        ("/read?model=cnn", png_header(2500, 2500), 422, "at most 1,000,000"),
        ("/read?model=cnn", png_header(10000, 10000), 422, "at most 1,000,000"),
        ("/read?model=cnn", noise(), 422, "clear the pad"),
        ("/read?model=cnn", speckled(), 422, "separate marks"),
        ("/read?model=cnn", dotted(), 422, "separate marks"),
        ("/read?model=cnn", slab(), 422, "ink covers"),
        ("/read?model=nothing", drawn(2), 404, "no model called 'nothing'"),
        ("/read?model=softmax", drawn(2), 404, "notebooks/01_softmax_regression.ipynb"),
        ("/read?model=cnn", b"x" * (demo.MAX_BODY + 1), 413, "at most 1,000,000"),
    ],
    ids=[
        "empty",
        "blank",
        "not a PNG",
        "cut short",
        "bomb",
        "2500 px a side",
        "10000 px a side",
        "noise",
        "speckles",
        "dots",
        "slab of ink",
        "no such model",
        "not saved",
        "too large",
    ],  # fmt: skip
)
def test_bad_requests_get_a_clear_answer_and_the_server_goes_on(server, path, body, status, says):
    answer = request(server, "POST", path, body)
    assert answer[0] == status and answer[1].startswith("text/plain"), answer
    text = answer[2].decode()
    assert says in text and text.count("\n") == 1, text
    for phrase in ("this function", "decompression bomb", "this cell"):
        assert phrase not in text, text
    assert request(server, "GET", "/models")[0] == 200  # still serving


@pytest.mark.parametrize("picture", [noise(1), noise(2), speckled(0.02, 3), speckled(0.3, 4)])
def test_random_noise_is_not_read_as_a_digit(server, picture):
    status, _, text = request(server, "POST", "/read?model=cnn", picture)
    assert status == 422 and text.count(b"\n") == 1, text


def test_the_work_of_a_request_is_bounded_before_the_analysis(tmp_path, monkeypatch):
    """Pictures refused by their size, marks or ink never reach prepare_digit."""

    def analysis(*args, **kwargs):
        raise AssertionError("prepare_digit ran on a picture the screen should refuse")

    monkeypatch.setattr(demo, "prepare_digit", analysis)
    monkeypatch.setattr(demo.Reader, "model", lambda self, name: None)
    reader = demo.Reader(tmp_path)
    for picture in (png_header(2000, 2000), dotted(), noise(), slab()):
        with pytest.raises(demo.Refused) as refused:
            reader.read("cnn", picture)
        assert refused.value.status == 422
    for picture in DRAWN.values():  # the sample digits pass the screen
        demo.screen(picture)


def test_a_body_sent_in_chunks_is_cut_off_at_the_limit(server):
    connection = http.client.HTTPConnection(server, timeout=30)
    chunk = b"x" * 100_000
    connection.request(
        "POST", "/read?model=cnn", body=iter([chunk] * 20), encode_chunked=True,
        headers={"Transfer-Encoding": "chunked"},
    )  # fmt: skip
    answer = connection.getresponse()
    assert answer.status == 413 and b"2,000,000 bytes; at most 1,000,000" in answer.read()
    connection.close()
    assert request(server, "GET", "/models")[0] == 200


def test_a_huge_body_is_refused_before_it_is_read(server):
    host, port = server.split(":")
    with socket.create_connection((host, int(port)), timeout=30) as client:
        client.sendall(b"POST /read HTTP/1.1\r\nHost: here\r\nContent-Length: 30000000\r\n\r\n")
        client.sendall(b"x" * 10_000)  # and then it stops sending
        answer = client.recv(1000)
    assert answer.startswith(b"HTTP/1.1 413") and b"30,000,000 bytes; at most" in answer
    assert request(server, "GET", "/models")[0] == 200


def test_wrong_method_and_unknown_path(server):
    for method, path, status in [
        ("GET", "/read", 405), ("POST", "/", 405), ("DELETE", "/static/demo.js", 405),
        ("PUT", "/models", 405), ("GET", "/nothing/here", 404), ("POST", "/nothing", 404),
    ]:  # fmt: skip
        answer = request(server, method, path, b"x" if method != "GET" else None)
        assert answer[0] == status and answer[1].startswith("text/plain"), (method, path, answer)
        assert answer[2].count(b"\n") == 1 and b"<" not in answer[2], answer


@pytest.mark.parametrize(
    "path", ["/static/../demo.py", "/static/%2e%2e/demo.py", "/static/..%2fdemo.py",
             "/static/%2e%2e%2f%2e%2e%2fREADME.md", "/static//etc/passwd"],
)  # fmt: skip
def test_paths_outside_the_page_get_one_line(server, path):
    status, kind, body = request(server, "GET", path)
    assert status in (403, 404) and kind.startswith("text/plain"), (path, status, body)
    assert body.count(b"\n") == 1 and b"<" not in body and b"import" not in body, body


def test_a_chunked_body_past_the_drain_limit_is_refused_in_one_line(server):
    host, port = server.split(":")
    with socket.create_connection((host, int(port)), timeout=30) as client:
        client.sendall(b"POST /read HTTP/1.1\r\nHost: here\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 1_000_000
        for _ in range(demo.DRAIN_LIMIT // len(chunk)):
            client.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        client.sendall(b"1\r\nx")  # one byte past the limit, and then it stops sending
        answer = b""
        while piece := client.recv(4096):
            answer += piece
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413") and b"text/plain" in head, answer[:300]
    assert body.count(b"\n") == 1 and b"at most 1,000,000" in body, body
    assert request(server, "GET", "/models")[0] == 200


def demo_command(*args: str):
    """``python -m mnist_series.demo ARGS``, stopped after 60 s if it starts serving."""
    return subprocess.run(
        [sys.executable, "-m", "mnist_series.demo", *args], capture_output=True, text=True,
        timeout=60, env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )  # fmt: skip


@pytest.mark.parametrize("port", ["80999", "-1", "eighty"])
def test_a_bad_port_is_refused_in_one_line(port):
    done = demo_command("--port", port)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert port in done.stderr and "65535" in done.stderr


def test_a_models_folder_that_is_not_there_is_refused_in_one_line(tmp_path):
    done = demo_command("--models", str(tmp_path / "nowhere"))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert str(tmp_path / "nowhere") in done.stderr


def test_a_damaged_model_is_reported_not_crashed_on(tmp_path):
    (tmp_path / "mlp.keras").write_bytes(b"half a download")
    reader = demo.Reader(tmp_path)
    with pytest.raises(demo.Refused, match="damaged") as refused:
        reader.read("mlp", drawn(1))
    assert refused.value.status == 503
    assert str(tmp_path / "mlp.keras") in str(refused.value)  # where it is, not models/


def test_one_model_predicts_for_one_thread_at_a_time(tmp_path, monkeypatch):
    """On JAX two simultaneous predictions of one model fail (its weights' buffers are donated
    to the compiled function): the reader lets each model answer one thread at a time."""

    class Model:
        input_shape = (None, 784)
        busy = most = 0
        count = threading.Lock()

        def predict_on_batch(self, batch):
            with self.count:
                Model.busy += 1
                Model.most = max(Model.most, Model.busy)
            time.sleep(0.02)
            with self.count:
                Model.busy -= 1
            return np.full((len(batch), 10), 0.1, np.float32)

    monkeypatch.setattr(demo.saved_models, "load", lambda name, folder: Model())
    (tmp_path / "mlp.keras").write_bytes(b"")  # there, for the reader; loaded as Model()
    reader = demo.Reader(tmp_path)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: reader.read("mlp", drawn(1)), range(16)))
    assert len(answers) == 16 and Model.most == 1


# ------------------------------------------------------------------ in a browser


def draw_in(page, number: int) -> None:
    """Draw a sample digit's strokes on the pad with the mouse: pointer events, as a hand."""
    box = page.locator("#pad").bounding_box()
    scale = box["width"] * 0.8 / 10  # the 10 x 10 grid in the middle 80 % of the pad
    for stroke in make_digits.STROKES[number]:
        points = [(box["x"] + box["width"] * 0.1 + x * scale,
                   box["y"] + box["height"] * 0.1 + y * scale) for x, y in stroke]  # fmt: skip
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=3)
        page.mouse.up()


def answered(page) -> tuple[str, float]:
    page.wait_for_function("document.body.dataset.reading === 'no'", timeout=20_000)
    confidence = page.locator("#confidence").inner_text().strip("() %")
    return page.locator("#digit").inner_text(), float(confidence) / 100


def test_the_page_reads_digits_drawn_with_the_pointer(server, browser):
    page, problems = visit(browser, f"http://{server}/")
    page.wait_for_function("document.body.dataset.ready === 'yes'")
    assert page.locator("#model").input_value() == "cnn"  # the best saved model
    missing = page.locator("#model option[value=softmax]")
    assert missing.is_disabled() and "01_softmax_regression" in missing.inner_text()
    for number in (2, 3, 7):
        page.locator("#clear").click()
        draw_in(page, number)
        digit, top = answered(page)
        assert digit == str(number) and top > 0.5, (number, digit, top)
        ink = page.evaluate(
            "Array.from(document.getElementById('seen').getContext('2d')"
            ".getImageData(0, 0, 28, 28).data).filter((v, i) => i % 4 === 0 && v < 128).length"
        )
        assert 30 < ink < 400, f"the 28 x 28 picture shows {ink} dark pixels"
        assert page.locator("#bars .top").count() == 3  # the top bar: label, bar and value
        if number == 7 and os.environ.get("MNIST_SERIES_SCREENSHOT"):  # docs/demo.png
            page.screenshot(path=Path(os.environ["MNIST_SERIES_SCREENSHOT"]).with_name("demo.png"))
    page.locator("#clear").click()
    assert page.locator("#digit").inner_text() == "–"
    assert not problems, problems
    page.close()


def test_the_page_passes_on_the_servers_reason(server, browser):
    """A model that is not saved cannot be chosen; asked for anyway, the server's one-line
    answer (which notebook to run) appears under the pad, and the page goes on working."""
    page, problems = visit(browser, f"http://{server}/")
    page.wait_for_function("document.body.dataset.ready === 'yes'")
    page.evaluate("document.querySelector('#model option[value=softmax]').disabled = false")
    page.locator("#model").select_option("softmax")
    draw_in(page, 1)
    page.wait_for_function("document.body.dataset.reading === 'no'")
    status = page.locator("#status").inner_text()
    assert "notebooks/01_softmax_regression.ipynb" in status and "\n" not in status
    assert page.locator("#digit").inner_text() == "–"
    page.locator("#model").select_option("cnn")  # choosing a saved model reads the drawing
    assert answered(page)[0] == "1" and page.locator("#status").inner_text() == ""
    assert not [p for p in problems if "404" not in p], problems  # the refusal itself
    page.close()


# ------------------------------------------------------------------ a class at once


def test_thirty_clients_at_once_are_all_answered(server):
    result = demo_load.load(server, list(DRAWN.items()), clients=30, seconds=3, model="cnn")
    assert result["failed"] == 0, result["errors"][:3]
    assert result["requests"] >= 30 and result["p95_ms"] < 10_000, result

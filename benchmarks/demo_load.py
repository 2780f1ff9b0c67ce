"""A classroom's load on the draw-a-digit page: many learners drawing at once.

It starts the demo (``python -m mnist_series.demo``) as its own process on a free port
of 127.0.0.1, then runs CLIENTS clients side by side for SECONDS seconds: each sends
drawn sample digits (the strokes of data/make_digits.py on a 280 x 280 canvas, as the
page sends them) one after another, as fast as the answers come, and stops by itself.
It reports every failed request (an error status, a refused connection, a time-out),
the answer times (median, 95th percentile, slowest) and the server's resident memory,
sampled twice a second, so that growth over the run shows.

    python benchmarks/demo_load.py                          # 30 clients, 30 s, notebook 5's CNN
    python benchmarks/demo_load.py --model cnn --clients 10 --seconds 10
    python benchmarks/demo_load.py --write benchmarks/demo_load.md   # add the result as a row

The demo reads the models saved in models/ (run the notebooks first), or --models DIR.
The clients run on the same machine as the server and share its cores, as they would
if the teacher's laptop served a classroom through a projector demo.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import os
import re
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import numpy as np

from tools import ROOT
from tools.machine import cpu_model


def drawn_digits() -> list[tuple[int, bytes]]:
    """The ten sample digits drawn as the page sends them: black strokes on a white PNG."""
    import io

    spec = importlib.util.spec_from_file_location("make_digits", ROOT / "data" / "make_digits.py")
    make_digits = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_digits)
    pictures = []
    for number in range(10):
        image = make_digits.draw(number, (280, 280), ink=0, paper=255, box=(0.1, 0.1, 0.9, 0.9))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        pictures.append((number, buffer.getvalue()))
    return pictures


def load(address: str, pictures, clients: int, seconds: float, model: str) -> dict:
    """``clients`` threads sending ``pictures`` to ``address`` (host:port) for ``seconds``."""
    deadline = time.perf_counter() + seconds
    times: list[float] = []
    errors: list[str] = []
    wrong = [0]
    lock = threading.Lock()

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(address, timeout=60)
        turn = index
        while time.perf_counter() < deadline:
            number, picture = pictures[turn % len(pictures)]
            turn += 1
            start = time.perf_counter()
            try:
                connection.request("POST", f"/read?model={model}", body=picture,
                                   headers={"Content-Type": "image/png"})  # fmt: skip
                answer = connection.getresponse()
                body = answer.read()
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")
                connection.close()
                connection = http.client.HTTPConnection(address, timeout=60)
                continue
            took = time.perf_counter() - start
            with lock:
                if answer.status != 200:
                    errors.append(f"{answer.status}: {body[:100]!r}")
                else:
                    times.append(took)
                    if f'"digit": {number},' not in body.decode():
                        wrong[0] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    milliseconds = np.array(times) * 1000 if times else np.array([np.nan])
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(times) + len(errors),
        "failed": len(errors),
        "errors": errors,
        "misread": wrong[0],
        "per_second": round(len(times) / elapsed, 1),
        "p50_ms": round(float(np.percentile(milliseconds, 50)), 1),
        "p95_ms": round(float(np.percentile(milliseconds, 95)), 1),
        "max_ms": round(float(milliseconds.max()), 1),
    }


def machine() -> str:
    return f"{cpu_model()}, {os.cpu_count()} cores"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc status")


def start_demo(models: Path | None) -> tuple[subprocess.Popen, str]:
    """The demo as a process on a free port; returns it and its host:port."""
    command = [sys.executable, "-m", "mnist_series.demo", "--port", "0"]
    if models:
        command += ["--models", str(models)]
    environment = dict(os.environ, PYTHONUNBUFFERED="1", TF_CPP_MIN_LOG_LEVEL="2")
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, env=environment)  # fmt: skip
    for line in server.stdout:
        found = re.search(r"http://(127\.0\.0\.1:\d+)/", line)
        if found:
            threading.Thread(target=server.stdout.read, daemon=True).start()  # drain the rest
            return server, found.group(1)
    raise RuntimeError(f"the demo stopped before serving (exit code {server.wait()})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--model", default="cnn_plus", help="the saved model to read with")
    parser.add_argument("--models", type=Path, default=None, help="default: models/")
    parser.add_argument("--write", type=Path, help="append the result to this Markdown table")
    args = parser.parse_args(argv)

    server, address = start_demo(args.models)
    memory: list[float] = []
    try:
        pictures = drawn_digits()
        warm = load(address, pictures, clients=1, seconds=1, model=args.model)  # load the model
        if warm["failed"]:
            print(f"the demo refuses the requests: {warm['errors'][0]}", file=sys.stderr)
            return 1
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                memory.append(rss_mib(server.pid))
                stop.wait(0.5)

        sampler = threading.Thread(target=sample)
        sampler.start()
        result = load(address, pictures, args.clients, args.seconds, args.model)
        stop.set()
        sampler.join()
    finally:
        server.terminate()
        server.wait(30)
    third = max(1, len(memory) // 3)
    result.update(
        rss_start=round(float(np.mean(memory[:third])), 0),
        rss_end=round(float(np.mean(memory[-third:])), 0),
        rss_max=round(max(memory), 0),
    )
    r = result
    print(f"{r['clients']} clients for {r['seconds']} s with {args.model} ({machine()}):")
    print(f"  {r['requests']} requests, {r['failed']} failed, {r['misread']} read as another")
    print(f"  digit, {r['per_second']} answers/s; answer time: median {r['p50_ms']} ms,")
    print(f"  95th percentile {r['p95_ms']} ms, slowest {r['max_ms']} ms")
    print(f"  server memory: {r['rss_start']:.0f} MiB over the first third of the run,")
    print(f"  {r['rss_end']:.0f} MiB over the last (peak {r['rss_max']:.0f} MiB)")
    for error in r["errors"][:5]:
        print("  failed:", error)
    if args.write:
        cells = [date.today(), machine(), args.model, r["clients"], r["seconds"], r["requests"],
                 r["failed"], r["p50_ms"], r["p95_ms"], r["max_ms"],
                 f"{r['rss_start']:.0f} → {r['rss_end']:.0f}"]  # fmt: skip
        if not args.write.exists():
            args.write.write_text(HEADER, encoding="utf-8")
        with args.write.open("a", encoding="utf-8") as table:
            table.write("| " + " | ".join(str(cell) for cell in cells) + " |\n")
    return 1 if result["failed"] else 0


COLUMNS = ["date", "CPU", "model", "clients", "seconds", "requests", "failed", "median ms",
           "p95 ms", "slowest ms", "server MiB, first → last third"]  # fmt: skip
HEADER = """\
# The draw-a-digit page under a classroom's load

Written by `python benchmarks/demo_load.py --write benchmarks/demo_load.md`: the given
number of clients on 127.0.0.1, each sending drawn sample digits one after another, with
no pause, for the given seconds (more than a class drawing by hand sends); answer times
in milliseconds; the server's resident memory in MiB, averaged over the first and the
last third of the run. The clients run on the server's own cores.

"""
HEADER += "| " + " | ".join(COLUMNS) + " |\n" + "|---" * len(COLUMNS) + "|\n"

if __name__ == "__main__":
    sys.exit(main())

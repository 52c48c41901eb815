"""CDS Hooks service load on loopback: `python benchmarks/bench_serve.py [--requests N] [--insecure]`.

Starts `eligo serve`'s application under uvicorn in a child process (so the client does not share its
interpreter), with one extra route that returns a constant card: the floor any FastAPI endpoint pays.
Then, at 1, 10 and 50 concurrent clients, sends the same number of requests to each: a full-prefetch
`patient-view` call of the pancreas service (a fresh signed token per request, RS384 or ES384, verified,
unless --insecure) and the constant endpoint. Prints requests per second, p50/p99 latency and the server
process's CPU time per request (user + system, from /proc) for both (the median of --repeat runs), and their
ratios. Requests per second move with whatever else the machine runs; CPU per request much less. On a shared
machine, compare runs made side by side only.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_serve_fixtures import (  # noqa: E402  (the tests' FHIR builders, keys and tokens)
    ISSUER,
    PANCREAS,
    Keys,
    free_port,
    hook_request,
    pancreas_prefetch,
    token,
)

CONSTANT = {"cards": [{"uuid": "00000000-0000-4000-8000-000000000000", "summary": "constant", "indicator": "info",
                       "source": {"label": "constant"}}]}


def serve(port: int, trust: str | None, feedback: str) -> None:
    """The child process: the real application plus a constant-card route, under uvicorn."""
    import uvicorn
    from fastapi.responses import JSONResponse

    import eligo
    from eligo.serve.app import Settings, create_app
    from eligo.serve.security import Verifier, load_trust

    verifier = Verifier(load_trust(Path(trust))) if trust else None
    app = create_app(Settings(eligo.load(ROOT / "knowledge"), f"http://127.0.0.1:{port}", feedback_path=Path(feedback),
                              verifier=verifier, drafts=True, today=lambda: dt.date(2026, 6, 1)))

    @app.post("/constant")
    async def constant() -> JSONResponse:
        return JSONResponse(CONSTANT)

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def load(url: str, bodies: list[bytes], headers: list[dict[str, str]], clients: int) -> list[float]:
    """Send every body over `clients` keep-alive connections at once; the latency of each request, in seconds.

    A minimal HTTP/1.1 client on asyncio streams, so that on a small machine the load generator costs little
    beside the server it measures (httpx's connection pool slows down with many concurrent connections)."""
    parts = httpx.URL(url)
    latencies: list[float] = []
    queue = list(range(len(bodies)))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(parts.host, parts.port)
        try:
            while queue:
                i = queue.pop()
                head = "".join(f"{k}: {v}\r\n" for k, v in headers[i].items())
                request = (f"POST {parts.raw_path.decode()} HTTP/1.1\r\nHost: {parts.host}:{parts.port}\r\n{head}"
                           f"Content-Length: {len(bodies[i])}\r\n\r\n").encode() + bodies[i]
                start = time.perf_counter()
                writer.write(request)
                status = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                body = await reader.readexactly(length)
                latencies.append(time.perf_counter() - start)
                assert status.split()[1] == b"200", body[:300]
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far, all its threads (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stats(latencies: list[float], wall: float, cpu: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"rps": len(ordered) / wall, "p50_ms": statistics.median(ordered) * 1000,
            "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
            "cpu_us": cpu / len(ordered) * 1e6}


def measure(base: str, keys: Keys | None, alg: str, requests: int, clients: int, pid: int) -> dict[str, dict[str, float]]:
    hook_url, constant_url = f"{base}/cds-services/{PANCREAS}", f"{base}/constant"
    body = json.dumps(hook_request(pancreas_prefetch())).encode()
    out = {}
    for name, url in (("constant", constant_url), ("hook", hook_url)):
        headers = [{"Content-Type": "application/json"} | (
            {"Authorization": f"Bearer {token(keys, hook_url, alg=alg)}"} if keys and name == "hook" else {})
            for _ in range(requests + 20)]  # a fresh token (jti) for every request, made before the clock starts
        asyncio.run(load(url, [body] * 20, headers[requests:], min(clients, 20)))  # warm up
        headers = headers[:requests]
        start, cpu = time.perf_counter(), cpu_seconds(pid)
        latencies = asyncio.run(load(url, [body] * requests, headers, clients))
        out[name] = stats(latencies, time.perf_counter() - start, cpu_seconds(pid) - cpu)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per endpoint and concurrency level")
    parser.add_argument("--insecure", action="store_true", help="no token verification on the hook requests")
    parser.add_argument("--alg", choices=("RS384", "ES384"), default="RS384", help="how the record signs its tokens")
    parser.add_argument("--repeat", type=int, default=3, help="runs per level; the median run is printed")
    parser.add_argument("--serve", nargs=3, metavar=("PORT", "TRUST", "FEEDBACK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        port, trust, feedback = args.serve
        serve(int(port), None if trust == "-" else trust, feedback)
        return
    keys = None if args.insecure else Keys()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        trust = "-"
        if keys is not None:
            trust = str(Path(folder) / "trust.json")
            Path(trust).write_text(json.dumps({"issuers": {ISSUER: {"jwks": keys.jwks()}}}))
        child = subprocess.Popen([sys.executable, __file__, "--serve", str(port), trust, str(Path(folder) / "f.jsonl")])
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.post(f"{base}/constant", timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or child.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.1)
            verified = "no token verification" if keys is None else f"{args.alg} tokens verified"
            print(f"eligo serve, {args.requests} requests per endpoint and level, full prefetch of {PANCREAS}, "
                  f"{verified}, median of {args.repeat} runs")
            print(f"{'clients':>7}  {'endpoint':<8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'server CPU µs/req':>18}")
            for clients in (1, 10, 50):
                runs = [measure(base, keys, args.alg, args.requests, clients, child.pid) for _ in range(args.repeat)]
                result = {name: {k: statistics.median(r[name][k] for r in runs) for k in runs[0][name]}
                          for name in ("constant", "hook")}
                for name in ("constant", "hook"):
                    r = result[name]
                    print(f"{clients:>7}  {name:<8} {r['rps']:>8.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
                          f"{r['cpu_us']:>18.0f}")
                ratio = result["constant"]["rps"] / result["hook"]["rps"]
                cpu_ratio = result["hook"]["cpu_us"] / result["constant"]["cpu_us"]
                print(f"{clients:>7}  cost of a hook request: {ratio:.2f}x the constant endpoint in req/s (target at "
                      f"most 3x), {cpu_ratio:.2f}x in server CPU")
        finally:
            child.terminate()
            child.wait(timeout=10)


if __name__ == "__main__":
    main()

"""The load test's HTTP client: sequential and closed-loop concurrent requests, percentiles."""

from __future__ import annotations

import http.client
import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bench.load_requests import Call


class Client:
    """One keep-alive HTTP/1.1 connection (:mod:`http.client`: the least client overhead).

    The clients share the machine with the server, so a cheap client leaves more CPU to what is
    measured. A failed request closes the connection; the next request opens a new one.
    """

    def __init__(self, port: int, timeout: float) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def send(self, call: Call) -> tuple[bool, float, str]:
        """Send ``call``: whether it succeeded (2xx), the seconds it took, and why not."""
        started = time.perf_counter()
        try:
            self.connection.request(call.method, call.target, call.body, dict(call.headers))
            response = self.connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as err:
            self.connection.close()
            return False, time.perf_counter() - started, f"{call.name}: {err!r}"
        elapsed = time.perf_counter() - started
        if 200 <= status < 300:
            return True, elapsed, ""
        # After a failure the server may drop the connection (uvicorn does after an unhandled
        # exception): a fresh one keeps the next request from failing for this one's reason.
        self.connection.close()
        return False, elapsed, f"{call.name}: HTTP {status}"

    def close(self) -> None:
        self.connection.close()


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile of ``values`` (``nan`` for none).

    >>> percentile([4.0, 1.0, 3.0, 2.0], 0.5), percentile(range(1, 201), 0.99)
    (2.0, 198)
    """
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def summary(
    times: Sequence[float], ok: Sequence[bool], elapsed: float | None = None
) -> dict[str, Any]:
    """Requests, errors, error rate, p50 and p99 (ms), and the rate if ``elapsed`` is given.

    Percentiles are of the successful requests only: a refusal answered in a millisecond is not
    a fast answer (none succeeded: ``nan``). The rate counts every request.
    """
    count = len(times)
    errors = sum(not good for good in ok)
    answered = [t for t, good in zip(times, ok, strict=True) if good]
    result: dict[str, Any] = {
        "requests": count,
        "errors": errors,
        "error_rate": errors / count if count else 0.0,
        "p50_ms": percentile(answered, 0.5) * 1000,
        "p99_ms": percentile(answered, 0.99) * 1000,
    }
    if elapsed is not None:
        result["requests_per_second"] = count / elapsed if elapsed > 0 else 0.0
    return result


def sequential(port: int, calls: Sequence[Call], n: int, timeout: float) -> dict[str, Any]:
    """``n`` requests to each call, one at a time (reports: a tenth, at least 3)."""
    measured: dict[str, Any] = {}
    client = Client(port, timeout)
    try:
        for call in calls:
            count = max(3, n // 10) if call.kind == "report" else n
            times: list[float] = []
            good: list[bool] = []
            failed: list[str] = []
            for _ in range(count):
                ok, seconds, why = client.send(call)
                times.append(seconds)
                good.append(ok)
                if not ok:
                    failed.append(why)
            measured[call.name] = {
                "kind": call.kind,
                "target": call.target if call.method == "GET" else f"POST {call.target}",
                **summary(times, good),
                "first_errors": failed[:3],
            }
    finally:
        client.close()
    return measured


@dataclass
class Sample:
    """One request of a concurrent run."""

    call: int
    seconds: float
    ok: bool


def concurrent(
    port: int, calls: Sequence[Call], clients: int, duration: float, timeout: float
) -> dict[str, Any]:
    """Closed-loop load: each client sends its next request as soon as the last is answered.

    Client ``i`` starts at call ``i``, so that all calls run at once from the first second. A
    closed loop never queues more than ``clients`` requests: its p99 is the latency of a service
    at that concurrency, not of one that is offered more than it can take.
    """
    samples: list[Sample] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1, timeout=timeout + 30)
    stop_at = [math.inf]
    crashed: list[str] = []

    def client_loop(offset: int) -> None:
        mine: list[Sample] = []
        failed: list[str] = []
        client = Client(port, timeout)
        try:
            start.wait()
            i = offset
            while time.perf_counter() < stop_at[0]:
                index = i % len(calls)
                i += 1
                ok, seconds, why = client.send(calls[index])
                mine.append(Sample(index, seconds, ok))
                if not ok and len(failed) < 5:  # the count is in the samples; a few say why
                    failed.append(why)
        except Exception as err:  # a broken client must show in the report, not vanish
            crashed.append(repr(err))
        finally:
            client.close()
            with lock:
                samples.extend(mine)
                failures.extend(failed)

    threads = [threading.Thread(target=client_loop, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + duration
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join(timeout=max(0.0, stop_at[0] - time.perf_counter()) + timeout + 10)
    elapsed = time.perf_counter() - began
    if any(thread.is_alive() for thread in threads) or crashed:
        raise RuntimeError(f"a load client did not finish cleanly: {crashed[:3]}")
    with lock:
        done = list(samples)
        failed_all = list(failures)

    def part(selected: Iterable[Sample]) -> dict[str, Any]:
        chosen = list(selected)
        return summary([s.seconds for s in chosen], [s.ok for s in chosen], elapsed)

    kinds = sorted({call.kind for call in calls})
    return {
        "clients": clients,
        "duration": elapsed,
        **part(done),
        "first_errors": failed_all[:5],
        "kinds": {kind: part(s for s in done if calls[s.call].kind == kind) for kind in kinds},
        "routes": {
            call.name: {"kind": call.kind, **part(s for s in done if s.call == index)}
            for index, call in enumerate(calls)
        },
    }

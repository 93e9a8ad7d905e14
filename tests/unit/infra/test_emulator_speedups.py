"""The caches the emulator plugin puts in front of LocalStack's per-state costs."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from lightbox_infra.plugins.speedups import ClientCache, memoise_parser, waiting_lease


def test_given_memoised_parser_when_same_path_parsed_twice_then_parsed_once():
    calls: list[str] = []

    def parse(path: str) -> tuple[str, int]:
        calls.append(path)
        return (path, len(calls))

    cached = memoise_parser(parse)

    assert cached("$.photo") is cached("$.photo")
    assert cached("$.studio") == ("$.studio", 2)
    assert calls == ["$.photo", "$.studio"]
    assert memoise_parser(cached) is cached  # applying the patch twice changes nothing


def test_given_client_cache_when_same_key_asked_then_one_client_until_it_expires(monkeypatch):
    built: list[str] = []
    clock = SimpleNamespace(now=100.0)
    monkeypatch.setattr("lightbox_infra.plugins.speedups.time.monotonic", lambda: clock.now)
    cache = ClientCache(lambda service: built.append(service) or object(), ttl=60)

    first = cache.get(("lambda", "us-east-1", "role"), "lambda")
    again = cache.get(("lambda", "us-east-1", "role"), "lambda")
    other_role = cache.get(("lambda", "us-east-1", "other"), "lambda")
    clock.now += 61
    renewed = cache.get(("lambda", "us-east-1", "role"), "lambda")

    assert first is again
    assert other_role is not first
    assert renewed is not first
    assert built == ["lambda", "lambda", "lambda"]


class Throttled(Exception):
    pass


class Slots:
    """A stand-in for LocalStack's lease: ``free`` slots, a throttle when none is left."""

    def __init__(self, free: int) -> None:
        self.free = free
        self.attempts = 0

    @contextmanager
    def acquire(self, name: str) -> Iterator[str]:
        self.attempts += 1
        if self.free == 0:
            raise Throttled(name)
        self.free -= 1
        try:
            yield name
        finally:
            self.free += 1


def test_given_no_free_slot_when_one_is_released_within_the_wait_then_the_call_proceeds():
    slots = Slots(free=1)
    lease = waiting_lease(slots.acquire, Throttled, wait_s=5)
    order: list[str] = []
    holding = threading.Event()

    def first() -> None:
        with lease("first"):
            holding.set()
            time.sleep(0.3)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    holding.wait()
    with lease("second") as granted:
        order.append(granted)
    thread.join()

    assert order == ["first done", "second"]
    assert slots.free == 1


def test_given_no_slot_for_longer_than_the_wait_then_the_throttle_is_raised():
    slots = Slots(free=0)
    lease = waiting_lease(slots.acquire, Throttled, wait_s=0.2)

    with pytest.raises(Throttled), lease("late"):
        pass

    assert slots.attempts >= 1


def test_given_a_function_reserved_to_zero_when_called_then_throttled_at_once_without_waiting():
    class Reserved:
        reserved_concurrent_executions = 0

    class Service:
        def __init__(self) -> None:
            self.attempts = 0

        @contextmanager
        def acquire(self, _service: object, function: object) -> Iterator[str]:
            self.attempts += 1
            raise Throttled("reserved 0")
            yield "never"

    service = Service()
    lease = waiting_lease(service.acquire, Throttled, wait_s=60)

    with pytest.raises(Throttled), lease(service, Reserved()):
        pass

    assert service.attempts == 1

"""The caches the emulator plugin puts in front of LocalStack's per-state costs."""

from types import SimpleNamespace

from lightbox_infra.plugins.speedups import ClientCache, memoise_parser


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

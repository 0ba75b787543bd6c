from __future__ import annotations

import pytest

from bland_async import AsyncBlandClient, BlandError, ConfigurationError, RetryPolicy, Timeout
from bland_async.testing import FakeBland


def test_api_key_and_base_url_fall_back_to_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLAND_API_KEY", "env-key")
    monkeypatch.setenv("BLAND_BASE_URL", "http://127.0.0.1:9/")
    client = AsyncBlandClient()
    assert client._options.api_key == "env-key"
    assert client.base_url == "http://127.0.0.1:9"


def test_arguments_beat_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLAND_API_KEY", "env-key")
    monkeypatch.setenv("BLAND_BASE_URL", "http://127.0.0.1:9")
    client = AsyncBlandClient(api_key="arg-key", base_url="https://example.test/prefix")
    assert client._options.api_key == "arg-key"
    assert client.base_url == "https://example.test/prefix"


def test_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BLAND_BASE_URL", raising=False)
    assert AsyncBlandClient(api_key="k").base_url == "https://api.bland.ai"


def test_env_is_read_at_construction_not_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLAND_API_KEY", "first")
    client = AsyncBlandClient()
    monkeypatch.setenv("BLAND_API_KEY", "second")
    assert client._options.api_key == "first"
    assert AsyncBlandClient()._options.api_key == "second"


def test_missing_key_is_a_clear_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BLAND_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="BLAND_API_KEY"):
        AsyncBlandClient()
    with pytest.raises(ConfigurationError):
        AsyncBlandClient(api_key="   ")
    with pytest.raises(ConfigurationError, match="line breaks"):
        AsyncBlandClient(api_key="abc\r\nX-Evil: 1")


@pytest.mark.parametrize("key", ["abc\x00def", "abc\x7fdef", "abc\tdef", "abc\x1bdef", "clé"])
def test_a_key_no_header_can_carry_is_refused_at_construction(key: str) -> None:
    with pytest.raises(ConfigurationError, match="printable ASCII"):
        AsyncBlandClient(api_key=key)
    with pytest.raises(ConfigurationError, match="printable ASCII"):
        AsyncBlandClient(api_key="fine").with_options(api_key=key)


@pytest.mark.parametrize(
    "url",
    [
        "api.bland.ai",
        "ftp://api.bland.ai",
        "http://",
        "https://h/?q=1",
        "https://h/#f",
        "::",
        "http://a b",
        "https://api.bland.ai /v1",
    ],
)
def test_malformed_base_url(url: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        AsyncBlandClient(api_key="k", base_url=url)


def test_repr_never_shows_the_key() -> None:
    client = AsyncBlandClient(api_key="sk-secret-123")
    assert "sk-secret-123" not in repr(client)
    assert "sk-secret-123" not in repr(client._options)
    assert "base_url='https://api.bland.ai'" in repr(client)


def test_timeout_number_or_object() -> None:
    assert AsyncBlandClient(api_key="k", timeout=5).timeout == Timeout(total=5.0, connect=5.0)
    t = Timeout(total=30, connect=2, read=10, deadline=45)
    assert AsyncBlandClient(api_key="k", timeout=t).timeout is t
    assert AsyncBlandClient(api_key="k").timeout == Timeout()
    for bad in (0, -1, float("inf"), float("nan")):
        with pytest.raises(ConfigurationError):
            AsyncBlandClient(api_key="k", timeout=bad)
    with pytest.raises(ConfigurationError):
        AsyncBlandClient(api_key="k", timeout="10")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        Timeout(connect=0)


def test_max_retries_and_concurrency_validation() -> None:
    assert AsyncBlandClient(api_key="k").max_retries == 2
    assert AsyncBlandClient(api_key="k", max_retries=0).max_retries == 0
    for bad in (-1, True, 1.5):
        with pytest.raises(ConfigurationError):
            AsyncBlandClient(api_key="k", max_retries=bad)  # type: ignore[arg-type]
    for bad in (0, True):
        with pytest.raises(ConfigurationError):
            AsyncBlandClient(api_key="k", max_concurrency=bad)


def test_with_options_copies_and_shares_state() -> None:
    client = AsyncBlandClient(api_key="k", max_retries=3)
    other = client.with_options(timeout=9, max_retries=0)
    assert other is not client
    assert (other.max_retries, other.timeout.total) == (0, 9.0)
    assert (client.max_retries, client.timeout.total) == (3, 60.0)
    assert other._options.api_key == "k"
    assert other._shared is client._shared
    assert other.personas is not client.personas
    with pytest.raises(ConfigurationError):
        client.with_options(max_retries=-1)


def test_retry_policy_is_validated_and_kept_by_copies() -> None:
    policy = RetryPolicy(backoff_initial=0.01, backoff_max=0.1, retry_after_max=2.0)
    client = AsyncBlandClient(api_key="k", retry_policy=policy)
    assert client._options.retry_policy is policy
    assert client.with_options(max_retries=0)._options.retry_policy is policy
    other = RetryPolicy()
    assert client.with_options(retry_policy=other)._options.retry_policy is other
    with pytest.raises(ConfigurationError, match="retry_policy"):
        AsyncBlandClient(api_key="k", retry_policy=0.5)  # type: ignore[arg-type]
    for bad in (-1.0, float("inf"), float("nan"), True):
        with pytest.raises(ConfigurationError, match="finite number"):
            RetryPolicy(backoff_max=bad)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_closing_a_with_options_copy_leaves_the_original_working(fake: FakeBland) -> None:
    persona = fake.seed_persona(name="A")
    async with AsyncBlandClient(api_key=fake.api_key, base_url=fake.url) as bland:
        async with bland.with_options(max_retries=5) as copy:
            assert (await copy.personas.get(persona["id"])).id == persona["id"]
        assert copy.closed
        assert not bland.closed
        with pytest.raises(BlandError, match="closed"):
            await copy.personas.get(persona["id"])
        assert (await bland.personas.get(persona["id"])).id == persona["id"]
        await copy.aclose()  # idempotent
        other = bland.with_options(timeout=5)
    assert bland.closed
    assert other.closed  # closing the original closes the session every copy shares
    with pytest.raises(BlandError, match="closed"):
        await other.personas.get(persona["id"])
    assert len(fake.requests) == 2


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("https://api.bland.ai/v1", "https://api.bland.ai"),
        ("https://api.bland.ai/v1/", "https://api.bland.ai"),
        ("https://proxy.test/bland/v1", "https://proxy.test/bland"),
        ("https://proxy.test/v1x", "https://proxy.test/v1x"),
        ("https://proxy.test/v10", "https://proxy.test/v10"),
    ],
)
def test_a_base_url_ending_in_v1_does_not_double_it(given: str, used: str) -> None:
    assert AsyncBlandClient(api_key="k", base_url=given).base_url == used


@pytest.mark.anyio
async def test_a_v1_base_url_reaches_the_routes(fake: FakeBland) -> None:
    persona = fake.seed_persona(name="A")
    async with AsyncBlandClient(api_key=fake.api_key, base_url=fake.url + "/v1/") as bland:
        assert (await bland.personas.get(persona["id"])).id == persona["id"]
    assert [r.path for r in fake.requests] == [f"/v1/personas/{persona['id']}"]

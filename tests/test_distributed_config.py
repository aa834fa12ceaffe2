"""The [distributed] section: absent, one machine as before; every mistake names its field and
exits 2; $SHOPWATCH_REDIS_URL wins over the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, load_config
from monitor.cli import main

SITE = '[[sites]]\nname = "x"\nbase_url = "http://x"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shopwatch.toml"
    path.write_text(text, "utf-8")
    return path


def test_absent_means_one_machine(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, SITE)).distributed is None


def test_defaults_and_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOPWATCH_REDIS_URL", raising=False)
    config = load_config(write(tmp_path, SITE + '[distributed]\nidle = "stop"\n'
                                               'max_attempts = 5\nkey_ttl_s = 7200\n'))
    assert config.distributed is not None
    assert config.distributed.redis_url == "redis://127.0.0.1:6379/0"
    assert (config.distributed.idle, config.distributed.max_attempts,
            config.distributed.key_ttl_s) == ("stop", 5, 7200)


def test_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPWATCH_REDIS_URL", "redis://10.0.0.9:6380/2")
    config = load_config(write(tmp_path, SITE + '[distributed]\n'
                                               'redis_url = "redis://127.0.0.1:6379/0"\n'))
    assert config.distributed is not None
    assert config.distributed.redis_url == "redis://10.0.0.9:6380/2"


@pytest.mark.parametrize(("text", "field", "message"), [
    ('redis_url = "http://127.0.0.1:6379"\n', "distributed.redis_url", "not a Redis URL"),
    ('idle = "sleep"\n', "distributed.idle", "'stop' or 'wait'"),
    ("max_attempts = 0\n", "distributed.max_attempts", "greater than or equal to 1"),
    ("key_ttl_s = 10\n", "distributed.key_ttl_s", "greater than or equal to 600"),
    ('key_prefix = "a b"\n', "distributed.key_prefix", "should match pattern"),
    ("workers = 3\n", "distributed.workers", "Extra inputs are not permitted"),
])
def test_mistakes_name_the_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str], text: str, field: str,
                                 message: str) -> None:
    monkeypatch.delenv("SHOPWATCH_REDIS_URL", raising=False)
    path = write(tmp_path, SITE + "[distributed]\n" + text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert f"{field}: " in str(caught.value) and message in str(caught.value)
    assert main(["check-config", "--config", str(path)]) == 2
    assert field in capsys.readouterr().err

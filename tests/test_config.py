"""Configuration: the example validates; every user error names file and field, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, load_config
from db.session import head_revision
from monitor.cli import main
from tests.support import config_dict, keyword, site_block, write_config

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "example.toml"


def test_example_config_is_valid() -> None:
    config = load_config(EXAMPLE)
    assert config.sites[0].name == "demo"
    assert {k.term for k in config.keywords} == {"扫地机器人", "加湿器"}


def test_init_writes_the_example_and_refuses_to_overwrite(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    target = tmp_path / "shopwatch.toml"
    assert main(["init", "--config", str(target)]) == 0
    assert target.read_text("utf-8") == EXAMPLE.read_text("utf-8")
    assert main(["check-config", "--config", str(target)]) == 0
    assert main(["init", "--config", str(target)]) == 2
    assert "exists already" in capsys.readouterr().err


GENERIC = '[[sites]]\nname = "x"\nadapter = "generic"\nbase_url = "http://x"\n'


@pytest.mark.parametrize(("text", "field", "message"), [
    ('[[sites]]\nname = "x"\nbase_url = "ftp://x"\n', "sites[0].base_url", "http"),
    ('[[sites]]\nname = "x"\nbase_url = "http://x"\nsearch_pages = 0\n', "sites[0].search_pages",
     "greater than or equal to 1"),
    ('[[sites]]\nname = "x"\nbase_url = "http://x"\n[thresholds]\nrank_drop = "many"\n',
     "thresholds.rank_drop", "valid integer"),
    ('[[sites]]\nname = "x"\nbase_url = "http://x"\n[email]\npassword = "secret"\n',
     "email.password", "Extra inputs are not permitted"),
    ('[[sites]]\nname = "x"\nbase_url = "http://x"\n[schedule]\ntimezone = "Mars/Olympus"\n',
     "schedule.timezone", "unknown time zone"),
    ('[[sites]]\nname = "x"\nbase_url = "http://x"\n[[keywords]]\nterm = "a"\nsites = ["y"]\n',
     "keywords[0].sites", "unknown site"),
    ('sites = []\n', "sites", "at least 1 item"),
    ('[[sites]]\nname = "x"\nbase_url = "http://x"\n[email]\nrecipients = ["nobody"]\n',
     "email.recipients", "not an e-mail address"),
    # mistakes that used to pass and fail every morning instead
    (f'{GENERIC}search_path = "/s?q={{kw}}&page={{page}}"\n', "sites[0].search_path",
     "has {kw}; the template takes {keyword}, {page}"),
    (f'{GENERIC}search_path = "/s?page={{page}}"\n', "sites[0].search_path",
     "needs {keyword}"),
    (f'{GENERIC}product_path = "/item/{{sku}}.html"\n', "sites[0].product_path", "has {sku}"),
    (f'{GENERIC}suggest_path = "/sug?q={{term}}"\n', "sites[0].suggest_path", "has {term}"),
    (f'{GENERIC}search_path = "/s?q={{keyword}}"\n[sites.search]\n'
     'item = "ul.result-list li.item["\n', "sites[0].search.item",
     "not a valid CSS or XPath selector"),
    (f'{GENERIC}[sites.product]\nprice = "//span[@class=\'price\'"\n',
     "sites[0].product.price", "not a valid CSS or XPath selector"),
    (f'{GENERIC}[[products]]\nsite = "x"\nid = "1"\n[[products]]\nsite = "x"\nid = "1"\n'
     'role = "own"\n', "products[1]", "x 1 is products[0] already"),
    (f'{GENERIC}[[products]]\nsite = "x"\nid = "1"\ncompare_to = "1"\n',
     "products[0].compare_to", "cannot compete with itself"),
    ('[[sites]]\nname = "x"\nadapter = "jdd"\nbase_url = "http://x"\n', "sites[0].adapter",
     "Input should be 'amazon', 'demoshop', 'generic', 'jd', 'taobao' or 'tmall'"),
    ('', "sites", "at least 1 item"),  # an empty file is no config
    ('database_url = "mysql://u@h/db"\n[[sites]]\nname = "x"\nbase_url = "http://x"\n',
     "database_url", "a mysql database is not supported"),
    ('database_url = "shop.db"\n[[sites]]\nname = "x"\nbase_url = "http://x"\n',
     "database_url", "not a database URL"),
    ('[[sites]]\nname = "x"\nadapter = "generic"\nbase_url = "http://x"\n[sites.search]\n'
     'item = "li"\n', "sites[0]", "a generic site's [search] needs item, and search_path"),
    (f'{GENERIC}[keyword_library]\nsynonyms = [["静音"]]\n', "keyword_library.synonyms[0]",
     "at least 2 items"),
])
def test_bad_config_names_file_and_field(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         text: str, field: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, "utf-8")
    assert main(["check-config", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err.replace("\n", "")
    assert field in err
    assert message in err
    assert "Traceback" not in err


def test_missing_and_malformed_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.toml"
    assert main(["check-config", "--config", str(missing)]) == 2
    assert "not found" in capsys.readouterr().err
    broken = tmp_path / "broken.toml"
    broken.write_text("[[sites]\nname=", "utf-8")
    assert main(["check-config", "--config", str(broken)]) == 2
    assert "TOML syntax error" in capsys.readouterr().err


def test_config_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path / "env.toml", config_dict(None, site_block("x", "http://x")))
    monkeypatch.setenv("SHOPWATCH_CONFIG", str(path))
    monkeypatch.setenv("SHOPWATCH_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert load_config(None).database_url == "postgresql+psycopg://u@h/db"


def test_smtp_password_only_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(EXAMPLE)
    monkeypatch.setenv("SHOPWATCH_SMTP_PASSWORD", "s3cret")
    assert config.email.password() == "s3cret"
    with pytest.raises(ConfigError):
        from config import parse_config

        parse_config({"sites": [{"name": "x", "base_url": "http://x"}],
                      "email": {"password": "inline"}})


def _site_config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "c.toml",
                        config_dict(f"sqlite:///{tmp_path / 'x.db'}", site_block("x")))


def test_db_upgrade_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _site_config(tmp_path)
    assert main(["db", "upgrade", "--config", str(path)]) == 0
    assert main(["db", "upgrade", "--config", str(path)]) == 0
    assert capsys.readouterr().out.count(f"database at revision {head_revision()}") == 2


def test_export_of_an_empty_library_is_a_user_error(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = _site_config(tmp_path)
    out = tmp_path / "k.csv"
    assert main(["keywords", "export", "--config", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "keyword library is empty" in err and "Traceback" not in err
    assert not out.exists()


def test_a_bad_date_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["monitor", "--date", "yesterday"])
    assert exit_info.value.code == 2
    assert "not a date (YYYY-MM-DD): 'yesterday'" in capsys.readouterr().err


def test_numeric_ids_and_warnings_for_what_is_valid_but_unused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path / "c.toml", config_dict(
        None, site_block("x", "http://x", adapter="generic"),
        keywords=[keyword("扫地机器人", "清洁")],
        products=[{"site": "x", "id": 100012043978, "role": "own", "group": "清洁"},
                  {"site": "x", "id": 7, "compare_to": 42}],  # TOML integers, read as ids
        thresholds={"groups": {"清洗": {"rank_drop": 5}}}))
    config = load_config(path)
    assert [(p.id, p.compare_to) for p in config.products] == [("100012043978", None),
                                                               ("7", "42")]
    assert main(["check-config", "--config", str(path)]) == 0
    captured = capsys.readouterr()
    assert "x (generic, http): 1 keyword(s) x 3 page(s), top 10 results watched, 2 product " \
           "page(s), 0 listing(s), suggestions off" in captured.out
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2, captured.err
    assert "thresholds.groups.清洗: no keyword or product has this group" in warnings[0]
    assert "products[1].compare_to: '42' is no own product of x" in warnings[1]


def test_the_config_knows_every_adapter() -> None:
    import typing

    from config import SiteConfig
    from crawlers.sites import ADAPTERS

    assert set(typing.get_args(SiteConfig.model_fields["adapter"].annotation)) == set(ADAPTERS)

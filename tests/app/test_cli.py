"""The ``xaso`` command line, run as a user would (in-process for speed)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from tests.paths import REPO
from xaso.cli import main
from xaso.server.database import FILE_NAME, ServerDatabase
from xaso.server.web.accounts import AccountStore


def test_check_accepts_the_shipped_inventory(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(REPO / "devices.yaml")]) == 0
    assert capsys.readouterr().out.strip().endswith("devices.yaml: ok")


def test_check_reports_every_problem_as_file_line_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "devices.yaml"
    text = (REPO / "tests/data/small-inventory.yaml").read_text(encoding="utf-8")
    text = text.replace("village: alpha.t1}", "village: alpha.t9}", 1)  # unknown village
    text = text.replace("kind: xa\n", "kind: xa\n    colour: red\n", 1)  # unknown key
    broken.write_text(text, encoding="utf-8")
    assert main(["check", str(broken)]) == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2
    lines = text.splitlines()
    for error in errors:
        file, line, message = error.split(":", 2)
        assert file == str(broken)
        assert message.strip()
        flagged = lines[int(line) - 1]
        assert "colour" in flagged or "alpha.t9" in flagged


def test_check_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "/nonexistent/devices.yaml"]) == 1
    assert "no such file" in capsys.readouterr().err


def test_check_detects_an_agent_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "agent.yaml"
    config.write_text(
        "agent: {id: Bad Id}\n"
        "mqtt: {url: 'http://x:1'}\n"
        "collectors:\n"
        "  reachability:\n"
        "    devices:\n"
        "      - {id: a, address: 127.0.0.1, port: 70000}\n"
        "      - {id: b, address: 127.0.0.1, port: 80, colour: red}\n",
        encoding="utf-8",
    )
    assert main(["check", str(config)]) == 1
    err = capsys.readouterr().err
    assert f"{config}:1:" in err  # the bad id
    assert f"{config}:2:" in err  # the scheme
    assert f"{config}:6:" in err  # the port
    assert f"{config}:7:" in err  # unknown key
    assert main(["agent", "--config", str(config), "--check-config"]) == 1


def test_shipped_agent_examples_are_valid() -> None:
    examples = sorted((REPO / "deploy").glob("agent-*.yaml"))
    assert examples, "deploy/ should carry example agent configs"
    assert main(["check", *map(str, examples)]) == 0


def test_token_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["token", "--data-dir", str(tmp_path)]
    inventory = ["--inventory", str(REPO / "devices.yaml")]
    assert main([*data, "create", "--role", "operator"]) == 2  # needs a commune
    assert "--commune" in capsys.readouterr().err
    assert main([*data, "create", "--role", "operator", "--commune", "xuan-hong", *inventory]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("xaso_")
    assert main([*data, "list"]) == 0
    listing = capsys.readouterr().out
    token_id = token.split("_")[1]
    assert f"{token_id}\toperator\txuan-hong\tactive" in listing
    assert token not in listing  # the secret is shown once only
    assert main([*data, "revoke", token_id]) == 0
    assert main([*data, "revoke", token_id]) == 1


def test_user_create_passwd_disable_enable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = ["user", "--data-dir", str(tmp_path)]
    inventory = ["--inventory", str(REPO / "devices.yaml")]

    def typed(password: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))

    typed("mật khẩu đầu tiên")
    create = [*data, "create", "Can.Bo", "--role", "operator", "--password-stdin"]
    assert main([*create, "--commune", "xuan-hong", "--name", "Cán bộ", *inventory]) == 0
    assert capsys.readouterr().out.strip() == "created can.bo"
    typed("short")
    assert main([*data, "create", "other", "--role", "admin", "--password-stdin"]) == 2
    assert "at least 10" in capsys.readouterr().err
    assert main([*data, "list"]) == 0
    assert capsys.readouterr().out == "can.bo\toperator\txuan-hong\tactive\tCán bộ\n"

    typed("mật khẩu thứ hai")
    assert main([*data, "passwd", "can.bo", "--password-stdin"]) == 0
    assert main([*data, "disable", "can.bo"]) == 0
    assert main([*data, "list"]) == 0
    assert "\tdisabled\t" in capsys.readouterr().out
    assert main([*data, "enable", "CAN.BO"]) == 0
    assert main([*data, "disable", "nobody"]) == 1
    with ServerDatabase(tmp_path / FILE_NAME) as database:
        accounts = AccountStore(database.connection)
        assert accounts.verify("can.bo", "mật khẩu thứ hai", 0) is not None
        assert accounts.verify("can.bo", "mật khẩu đầu tiên", 0) is None


def test_token_create_refuses_a_commune_the_inventory_does_not_know(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    create = ["token", "--data-dir", str(tmp_path), "create", "--role", "viewer"]
    inventory = ["--inventory", str(REPO / "devices.yaml")]
    typo = ["--commune", "xuan-hong", "--commune", "xuan-hogn"]
    assert main([*create, *typo, *inventory]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'xuan-hogn'" in err and "'xuan-hong'" not in err
    assert main(["token", "--data-dir", str(tmp_path), "list"]) == 0
    assert capsys.readouterr().out == ""  # nothing was created
    # An inventory that cannot be read is one line too, naming the file.
    assert main([*create, *typo, "--inventory", str(tmp_path / "none.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "none.yaml" in err


def test_missing_extra_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As on a gateway with only the agent extra: aiohttp cannot be imported.
    for name in [
        m for m in sys.modules if m == "aiohttp" or m.startswith(("aiohttp.", "xaso.server."))
    ]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    assert main(["server", "--inventory", str(REPO / "devices.yaml")]) == 2
    assert "pip install 'xaso[server]'" in capsys.readouterr().err


def test_check_knows_an_alerts_file_and_its_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    alerts = str(REPO / "deploy/alerts.yaml")
    assert main(["check", alerts]) == 1  # its channels' secrets are not set here
    assert "XASO_TELEGRAM_TOKEN is unset" in capsys.readouterr().err
    for name in (
        "XASO_WEBHOOK_SECRET",
        "XASO_TELEGRAM_TOKEN",
        "XASO_SMTP_PASSWORD",
        "XASO_ZALO_SECRET_KEY",
        "XASO_ZALO_REFRESH_TOKEN",
    ):
        monkeypatch.setenv(name, "s3cret")
    # Apprise URLs must name a service Apprise knows.
    monkeypatch.setenv("XASO_NTFY_URL", "ntfys://ntfy.thanhhoa.example.vn/xaso")
    monkeypatch.setenv("XASO_SMS_URL", "smseagles://s3cret@sms.thanhhoa.example.vn/{to}")
    assert main(["check", alerts]) == 0

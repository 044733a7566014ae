"""The wismo command as a user runs it: help, exit codes, reports, and no password in output."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from tests.conftest import edit_csv
from wismo.cli import app

runner = CliRunner()
SUBCOMMANDS = [["demo"], ["load"], ["check"], ["db"], ["db", "status"], ["db", "upgrade"], ["dashboard"], ["up"],
               ["kpis"], ["causes"], ["refresh"], ["governance"], ["governance", "export"], ["governance", "verify"],
               ["governance", "set-target"], ["governance", "set-threshold"], ["governance", "set-carrier-sla"],
               ["governance", "import"], ["brief"], ["alerts"],
               ["import"], ["import", "tracking"], ["import", "contacts"], ["mapping"], ["mapping", "suggest"]]


@pytest.mark.parametrize("args", SUBCOMMANDS, ids=[" ".join(a) for a in SUBCOMMANDS])
def test_every_subcommand_has_help(args):
    """``--help`` works on every subcommand and says what it does."""
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output and len(result.output) > 100


def test_load_of_a_bad_folder_exits_nonzero_and_changes_nothing(tiny, tmp_path, monkeypatch):
    """``wismo load`` with one bad row exits 1, says REFUSED, and the store's counts stay the same."""
    monkeypatch.setenv("WISMO_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    ok = runner.invoke(app, ["load", str(tiny), "--as-of", "2026-03-10T00:00:00Z"])
    assert ok.exit_code == 0, ok.output
    before = runner.invoke(app, ["db", "status"]).output
    edit_csv(tiny / "orders.csv", 2, "delivery_method", "drone")
    bad = runner.invoke(app, ["load", str(tiny), "--as-of", "2026-03-10T00:00:00Z"])
    assert bad.exit_code == 1
    assert "REFUSED" in bad.output and "orders.delivery_method [enum]" in bad.output
    assert "row 2 (line 3): 'drone'" in bad.output
    assert runner.invoke(app, ["db", "status"]).output == before


WRITES = [["load", "{tiny}"], ["load", "{tiny}", "--mapping", "m.yaml"], ["refresh"], ["alerts"],
          ["demo", "--orders", "100", "--weeks", "2", "--out", "{tmp}/demo", "--load"],
          ["import", "tracking", "{tiny}", "--format", "aftership"],
          ["import", "contacts", "x.json", "--format", "zendesk"]]


@pytest.mark.parametrize("args", WRITES, ids=[" ".join(a[:2]) for a in WRITES])
def test_a_configured_viewer_cannot_change_what_everyone_sees(args, tiny, tmp_path, monkeypatch):
    """With WISMO_ROLES set, the dashboard's roles hold on the command line too: a viewer's load, refresh,
    demo --load, import or alert run is refused before the store is opened (no database file appears)."""
    from tests.conftest import fresh_settings

    db = tmp_path / "s.db"
    monkeypatch.setenv("WISMO_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("WISMO_ROLES", '{"ana": "admin", "ed": "editor"}')
    monkeypatch.setenv("WISMO_USER", "vic")
    fresh_settings()
    result = runner.invoke(app, [a.format(tiny=tiny, tmp=tmp_path) for a in args])
    assert result.exit_code == 1, result.output
    assert "refused: vic is a viewer (WISMO_ROLES)" in result.output and "needs an editor or admin" in result.output
    assert not db.exists()


def test_viewers_read_and_editors_load_on_the_command_line(tiny, tmp_path, monkeypatch):
    """The viewer still reads (a dry run of the alerts, the KPIs); an editor loads."""
    from tests.conftest import fresh_settings

    monkeypatch.setenv("WISMO_DATABASE_URL", f"sqlite:///{tmp_path}/s.db")
    monkeypatch.setenv("WISMO_ROLES", '{"ed": "editor"}')
    monkeypatch.setenv("WISMO_USER", "ed")
    fresh_settings()
    assert runner.invoke(app, ["load", str(tiny), "--as-of", "2026-03-10T00:00:00Z"]).exit_code == 0
    monkeypatch.setenv("WISMO_USER", "vic")
    fresh_settings()
    dry = runner.invoke(app, ["alerts", "--dry-run"])
    assert dry.exit_code == 0 and "dry run:" in dry.output
    kpis = runner.invoke(app, ["kpis", "--as-of", "2026-03-10T00:00:00Z"])
    assert kpis.exit_code == 0 and "refused" not in kpis.output


def test_check_validates_without_writing(tiny, tmp_path, monkeypatch):
    """``wismo check`` reports and exits 1 on a blocking failure, and writes no row."""
    monkeypatch.setenv("WISMO_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    edit_csv(tiny / "contacts.csv", 1, "handled_by", "robot")
    result = runner.invoke(app, ["check", str(tiny), "--rejects", str(tmp_path / "r.csv")])
    assert result.exit_code == 1
    assert "contacts.handled_by [enum]" in result.output
    assert "robot" in (tmp_path / "r.csv").read_text()
    assert "orders                      0" in runner.invoke(app, ["db", "status"]).output


def test_password_never_appears_in_output(pg_admin, tiny):
    """With a password in WISMO_DATABASE_URL, neither success nor failure prints it."""
    from tests import pg

    with pg.database(pg_admin) as url:
        env = {**os.environ, "WISMO_DATABASE_URL": url}
        runs = [
            [sys.executable, "-m", "wismo.cli", "db", "status"],
            [sys.executable, "-m", "wismo.cli", "load", str(tiny), "--as-of", "2026-03-10T00:00:00Z"],
        ]
        outputs = [subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120) for cmd in runs]
        wrong_port = url.replace(url.split(":")[3].split("/")[0], str(pg.free_port()))
        outputs.append(subprocess.run([sys.executable, "-m", "wismo.cli", "db", "status"],
                                      env={**env, "WISMO_DATABASE_URL": wrong_port},
                                      capture_output=True, text=True, timeout=120))
    assert [o.returncode for o in outputs] == [0, 0, 4]
    assert outputs[2].stderr.startswith("error: cannot reach the database at 127.0.0.1:")  # one line, not a stack
    assert len(outputs[2].stderr.strip().splitlines()) == 1
    for o in outputs:
        assert pg.PASSWORD not in o.stdout + o.stderr
    assert "***" in outputs[0].stdout


def test_a_refusal_says_how_to_fix_it_with_at_most_five_examples(tiny, tmp_path, monkeypatch):
    """Without nodes.csv, the four order lines' node ids point nowhere: the rule, its count, the fix (add the
    nodes or derive them), and examples; seven bad node ids on order lines show five of them."""
    monkeypatch.setenv("WISMO_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    (tiny / "nodes.csv").unlink()
    result = runner.invoke(app, ["check", str(tiny)])
    assert result.exit_code == 1
    out = result.output
    assert "order_lines.node_id [reference] points at no nodes.node_id in this load or the store: 4 row(s)" in out
    assert ("fix: add the nodes rows these point at (a nodes file in the folder), or derive them in a SQL mapping: "
            "SELECT DISTINCT node_id … (docs/mappings.md)") in out
    lines = (tiny / "order_lines.csv").read_text().splitlines()
    (tiny / "order_lines.csv").write_text("\n".join([*lines, *(f"O3,L{i},SKU9,1,X{i},true,,," for i in range(3))]))
    more = runner.invoke(app, ["check", str(tiny)]).output
    block = more.split("order_lines.node_id [reference]")[1].split("REFUSED")[0]
    assert block.count("         row ") == 5 and "… and 2 more (in the rejects file named below)" in block


def test_kpis_by_id_adds_supporting_measures_without_changing_the_default(tiny, tmp_path, monkeypatch):
    """On-time delivery at as-of 10 Mar: S1 (O1, promised 5 Mar) delivered 4 Mar, on time; S2 (O2, promised
    6 Mar) not delivered, late → 1 of 2 in the week of 2 Mar. The default output has no such row."""
    monkeypatch.setenv("WISMO_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    args = ["kpis", "--source", str(tiny), "--as-of", "2026-03-10T00:00:00Z"]
    one = runner.invoke(app, [*args, "--kpi", "ontime_delivery"])
    assert one.exit_code == 0, one.output
    assert one.output.splitlines()[1:] == ["ontime_delivery,2026-03-02,all,all,1,2,0.5"]
    assert "ontime_delivery" not in runner.invoke(app, args).output
    bad = runner.invoke(app, [*args, "--kpi", "nope"])
    assert bad.exit_code == 2 and "unknown KPI 'nope'" in bad.output

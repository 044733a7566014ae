"""A KPI whose inputs are absent shows "no data", not a coloured 0 % or 100 % (issue 22, item 4).

The tiny fixture without tracking_events, exceptions and notifications, as-of 2026-03-10. By hand: S1 (CA)
and S2 (CB, SLA 36 h) were labelled on 2 Mar and never scanned, so the spec's figure for on-time tracking
activation is 0 of 2 decided orders (0 %); no exception on either shipped order gives an exception rate of
0 of 2; contact C1 (on O2) is attributed to an avoidable cause for lack of any scan: 1 of 1 avoidable
(100 %). All three are artefacts of absent inputs. WISMO contacts (C1, C2 over 2 shipped orders: 100 per
100) and inventory accuracy (2 of 3 promised lines) have their inputs and stay measured.
"""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from tests.conftest import FIXTURES, fresh_settings

AS_OF = "2026-03-10T00:00:00Z"


@pytest.fixture
def partial(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from store import open_store
    from wismo.cli import app

    folder = tmp_path / "extract"
    shutil.copytree(FIXTURES / "tiny", folder)
    for table in ("tracking_events", "exceptions", "notifications"):
        (folder / f"{table}.csv").unlink()
    url = f"sqlite:///{tmp_path}/s.db"
    monkeypatch.setenv("WISMO_DATABASE_URL", url)
    fresh_settings()
    result = CliRunner().invoke(app, ["load", str(folder), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    return open_store(url)


def test_the_store_knows_which_inputs_each_kpi_lacks(partial):
    from services.figures import missing_inputs

    missing = missing_inputs(partial)
    assert missing["tracking_activation_ontime"] == ("tracking_events",)
    assert missing["order_exception_rate"] == ("exceptions",)
    assert missing["notification_coverage"] == ("exceptions", "notifications")
    assert missing["avoidable_wismo_share"] == ("tracking_events",)
    assert missing["wismo_contact_rate"] == missing["inventory_accuracy"] == missing["csat_post_purchase"] == ()


def test_artefacts_stay_in_the_cube_but_show_as_no_data(partial):
    """The spec's figures are kept as computed (0 of 2, 0 of 2, 1 of 1); every reader gets no value."""
    from metrics.views import View
    from services import figures
    from store import bulk

    cube = bulk.read_sql(partial, "SELECT kpi, numerator, denominator FROM kpi_cube WHERE grain = 'week' AND "
                                  "dimension = 'all' AND kpi IN ('tracking_activation_ontime', "
                                  "'order_exception_rate', 'avoidable_wismo_share') ORDER BY kpi")
    assert cube.rows() == [("avoidable_wismo_share", 1.0, 1.0), ("order_exception_rate", 0.0, 2.0),
                           ("tracking_activation_ontime", 0.0, 2.0)]
    view = View(grain="week")
    period = figures.reporting_period(partial, view, figures.status(partial).as_of)
    status = {t.kpi.id: (t.value, t.status) for t in figures.tiles(partial, view, period)}
    assert status["tracking_activation_ontime"] == status["order_exception_rate"] == (None, "none")
    assert status["wismo_contact_rate"] == (1.0, "red")
    assert status["inventory_accuracy"] == (pytest.approx(2 / 3), "red")


def test_alerts_and_the_brief_leave_no_data_out_of_their_verdicts(partial, tmp_path):
    from reporting.brief import gather
    from services.figures import missing_inputs
    from wismo.cli import app

    dry = CliRunner().invoke(app, ["alerts", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "WISMO contacts per 100 shipped orders" in dry.output  # a measured breach is still raised
    assert "tracking activation" not in dry.output and "exception rate" not in dry.output.lower()
    brief = gather(partial)
    line = {k.id: k for k in brief.kpis}["tracking_activation_ontime"]
    assert (line.status, line.value, line.lacks) == ("none", "–", "no carrier milestone scans (tracking_events)")
    assert missing_inputs(partial)["csat_post_purchase"] == ()


def test_the_coverage_matrix_names_what_is_missing(partial):
    from metrics.views import coverage_matrix
    from services.figures import missing_inputs

    matrix = coverage_matrix(missing_inputs(partial))
    rows = {r["KPI"]: r for r in matrix.iter_rows(named=True)}
    tracking = rows["Orders with on-time tracking activation"]
    assert (tracking["figure"], tracking["tracking_events"], tracking["shipments"], tracking["exceptions"]) == (
        "no data", "missing", "yes", "")
    assert rows["WISMO contacts per 100 shipped orders"]["figure"] == "measured"
    assert matrix.columns[:2] == ["KPI", "figure"] and matrix["KPI"][0] == "WISMO contacts per 100 shipped orders"


def test_a_need_outside_the_contract_is_refused():
    from metrics.catalogue import Kpi

    with pytest.raises(ValueError, match="needs 'tracking_events.nope': no such contract table or column"):
        Kpi(id="x", title="x", short="x", definition="a definition long enough", unit="percent", decimals=1,
            good="up", numerator="a", denominator="b", target={"green": 0.9, "red": 0.8},
            needs=("tracking_events.nope",))


def test_with_every_table_loaded_every_kpi_is_measured(tmp_path, monkeypatch):
    """The whole tiny fixture has a row in every table and a value in every column a KPI needs."""
    from services.figures import missing_inputs
    from store import open_store
    from wismo.cli import app

    url = f"sqlite:///{tmp_path}/full.db"
    monkeypatch.setenv("WISMO_DATABASE_URL", url)
    fresh_settings()
    assert CliRunner().invoke(app, ["load", str(FIXTURES / "tiny"), "--as-of", AS_OF]).exit_code == 0
    assert {k: v for k, v in missing_inputs(open_store(url)).items() if v} == {}

"""docs/connectors.md from the mapping tables (a test keeps the file current)."""

from __future__ import annotations

from pathlib import Path

import yaml

from connectors.config import CONFIG
from connectors.onboarding import mapping_table

INTRO = """# Connectors: what each vendor code becomes

Generated from `connectors/config/*.yaml` by `python -m connectors.docs` (a test fails when this
file is stale). Edit the YAML, not this page. A tracking code that is in no table is reported by
the import — with file, record and value — and never guessed. A help-desk ticket whose tags name no
reason, or whose channel is not listed, takes the table's `default_reason` / `default_channel` and is
counted in the import summary; what is not a customer contact is left out and counted. How to run the imports: README,
"Bringing your own data"; the choices behind them: docs/architecture.md.
"""


def markdown() -> str:
    out = [INTRO]
    titles = {"aftership": "AfterShip tags and subtags", "easypost": "EasyPost status and status_detail",
              "shippo": "Shippo status and substatus", "zendesk": "Zendesk tickets", "gorgias": "Gorgias tickets"}
    for fmt, title in titles.items():
        out.append(f"\n## {title}\n")
        out.append("| table | code | maps to | rationale |\n|---|---|---|---|")
        for table, code, target, why in mapping_table(fmt).iter_rows():
            out.append(f"| {table} | `{code}` | {target} | {why} |")
        raw = yaml.safe_load((CONFIG / f"{fmt}.yaml").read_text())
        extra = {k: v for k, v in raw.items() if k in ("bot_tags", "bot_channels", "order_field_id", "order_tag_pattern",
                                                    "reason_field_ids", "leave_out_statuses", "include_agent_started")}
        if extra:
            out.append("\n" + "; ".join(f"`{k}`: `{v}`" for k, v in extra.items()))
    tz = yaml.safe_load((CONFIG / "timezones.yaml").read_text())
    out.append("\n## Time zones of local checkpoint times\n")
    out.append("| country | zone | rationale |\n|---|---|---|")
    out += [f"| {c['country']} / {c['iso3']} | {c['zone']} | {c['rationale']} |" for c in tz["countries"]]
    for country, d in tz["subdivisions"].items():
        out.append(f"\n**{country} / {d['iso3']}** (by state or province)\n")
        out.append("| state | zone | rationale |\n|---|---|---|")
        out += [f"| {s['code']} | {s['zone']} | {s['rationale']} |" for s in d["states"]]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    (Path(__file__).parents[1] / "docs" / "connectors.md").write_text(markdown())

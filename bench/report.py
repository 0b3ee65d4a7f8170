"""Turning an engine's figures into a table with targets, and into bench/results/<engine>.json."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench.scenarios import LoadFigures, Timing

RESULTS_DIR = Path(__file__).parent / "results"
# Creates per second at concurrency 32; the latency targets below hold on both engines.
CREATE_RATE_TARGET = {"sqlite": 2_000.0, "postgresql": 1_000.0}
CREATE_P99_TARGET_MS = {"sqlite": 50.0}
PAGE_TARGET_MS = {50: 5.0, 500: 25.0}
DEEP_RATIO_TARGET = 1.5
SEARCH_TARGET_MS = 50.0
SCHEDULED_P99_TARGET_MS = 1000.0


@dataclass(frozen=True)
class Row:
    label: str
    figure: str
    target: str = ""
    passed: bool | None = None  # None: no target

    @property
    def verdict(self) -> str:
        return "" if self.passed is None else ("PASS" if self.passed else "MISS")


@dataclass
class EngineResults:
    engine: str
    settings: dict[str, Any]
    ceiling: LoadFigures
    creates: dict[int, LoadFigures]
    seed: dict[str, Any]
    paging: dict[str, Any]
    search: dict[str, dict[str, Any]]
    delivery: dict[str, Any] = field(default_factory=dict)


def build_rows(results: EngineResults) -> list[Row]:
    engine = results.engine
    ceiling = results.ceiling.load.client_cpu_us_per_request
    rows = [_load_row("generator ceiling, GET /healthz", results.ceiling)]
    if ceiling:
        rows.append(Row("  generator alone, per core", f"~{1e6 / ceiling:,.0f} req/s"))
    for concurrency, figures in sorted(results.creates.items()):
        rows.append(_load_row(f"create message, c{concurrency}", figures))
    c32 = results.creates.get(32)
    if c32 is not None:
        rate = c32.load.throughput
        target = CREATE_RATE_TARGET.get(engine)
        if target is not None:
            rows.append(Row("  c32 throughput", f"{rate:,.0f}/s", f">= {target:,.0f}/s",
                            rate >= target and c32.load.errors == 0))  # fmt: skip
        p99_target = CREATE_P99_TARGET_MS.get(engine)
        if p99_target is not None:
            p99 = c32.summary()["p99_ms"]
            rows.append(Row("  c32 p99", f"{p99:.1f} ms", f"< {p99_target:.0f} ms",
                            p99 < p99_target))  # fmt: skip
    rows.append(Row(
        "seed (direct insert)",
        f"{results.seed['count']:,} msgs in {results.seed['seconds']:.1f} s",
    ))  # fmt: skip
    rows += _paging_rows(results.paging, results.settings["depth"])
    for word, found in results.search.items():
        timing: Timing = found["timing"]
        hits = f"{found['returned']}/{found['seeded_matches']:,} hits"
        rows.append(Row(
            f"search q={word} ({hits})",
            _timing_text(timing),
            f"median < {SEARCH_TARGET_MS:.0f} ms",
            timing.median < SEARCH_TARGET_MS and found["hits_ok"],
        ))  # fmt: skip
    return rows + _delivery_rows(results.delivery)


def _delivery_rows(delivery: dict[str, Any]) -> list[Row]:
    """Sends through the sandbox, scheduled lateness and webhook fan-out (when measured)."""
    sandbox, webhooks = delivery.get("sandbox", {}), delivery.get("webhooks", {})
    rows = []
    if "error" in sandbox:
        rows.append(Row("delivery", f"FAILED: {sandbox['error']}", "", False))
    if (throughput := sandbox.get("throughput")) is not None:
        rate = throughput["sent_per_s"]
        text = f"{rate:,.0f}/s" if rate is not None else "did not drain"
        drain_s = throughput["backlog_drain_s"]
        text += f"  ({throughput['created']:,} created, drain {drain_s:.1f} s)"
        rows.append(Row("sandbox sends, created -> sent", text))
    if (webhook := sandbox.get("webhook_connector")) is not None:
        rate = webhook["sent_per_s"]
        text = f"{rate:,.0f}/s" if rate is not None else "did not drain"
        text += f"  ({webhook['created']:,} created, {webhook['received']:,} received)"
        rows.append(Row("webhook connector sends, created -> sent", text))
    if (scheduled := sandbox.get("scheduled")) is not None:
        p99 = scheduled["p99_ms"]
        rows.append(Row(
            f"scheduled lateness ({scheduled['measured']}/{scheduled['count']} measured)",
            f"p50 {scheduled['p50_ms']:.0f}  p99 {p99:.0f} ms",
            f"p99 < {SCHEDULED_P99_TARGET_MS:.0f} ms",
            p99 < SCHEDULED_P99_TARGET_MS
            and scheduled["all_sent"]
            and scheduled["measured"] == scheduled["count"],
        ))  # fmt: skip
    if "error" in webhooks and "error" not in sandbox:
        rows.append(Row("webhook fan-out", f"FAILED: {webhooks['error']}", "", False))
    elif "deliveries_per_s" in webhooks:
        text = f"{webhooks['deliveries_per_s']:,.0f} deliveries/s"
        text += f"  ({webhooks['subscriptions']} subscriptions, {webhooks['events']:,} events"
        text += f", {webhooks['duplicates']} duplicates)"
        rows.append(Row("webhook fan-out", text))
    return rows


def _load_row(label: str, figures: LoadFigures) -> Row:
    summary = figures.summary()
    text = f"{summary['throughput_per_s']:,.0f}/s"
    if summary["median_ms"] is not None:
        text += f"  p50 {summary['median_ms']:.1f}  p99 {summary['p99_ms']:.1f} ms"
    text += f"  client {summary['client_cpu_us_per_request']:.0f} us/req"
    if summary["server_cpu_ms_per_request"] is not None:
        text += f"  server {summary['server_cpu_ms_per_request']:.2f} ms/req"
        text += f" ({summary['server_cores_busy']:.2f} cores)"
    if summary["errors"]:
        text += f"  ERRORS {summary['errors']}: {summary['first_error']}"
    return Row(label, text)


def _paging_rows(paging: dict[str, Any], depth: int) -> list[Row]:
    rows = []
    for where in ("first", "deep"):
        for limit, target_ms in PAGE_TARGET_MS.items():
            timing: Timing = paging[f"{where}_{limit}"]
            position = "page 1" if where == "first" else f"at depth {depth:,}"
            rows.append(Row(
                f"list {limit}, {position}",
                _timing_text(timing),
                f"median < {target_ms:.0f} ms",
                timing.median < target_ms,
            ))  # fmt: skip
    for limit in PAGE_TARGET_MS:
        ratio = paging[f"deep_{limit}"].median / paging[f"first_{limit}"].median
        rows.append(Row(f"list {limit}, deep / first", f"{ratio:.2f}x",
                        f"<= {DEEP_RATIO_TARGET}x", ratio <= DEEP_RATIO_TARGET))  # fmt: skip
    return rows


def _timing_text(timing: Timing) -> str:
    return f"p50 {timing.median:.2f}  p99 {timing.p99:.2f} ms  (n={len(timing.samples_ms)})"


def render_table(results: EngineResults, rows: list[Row]) -> str:
    settings = results.settings
    title = (
        f"Hubbub bench: {results.engine}  ({settings['cpus']} CPUs, "
        f"{settings['server_processes']} server process(es), {settings['seconds']:g} s "
        f"per load run, {results.seed['count']:,} seeded messages, commit {settings['commit']})"
    )
    # Rows without a target (the load runs) may run past the figure column.
    checked_rows = [row for row in rows if row.passed is not None] or rows
    widths = [max(len(row.label) for row in rows), max(len(r.figure) for r in checked_rows), 17]
    lines = [title, "-" * len(title)]
    for row in rows:
        lines.append(
            f"{row.label:<{widths[0]}}  {row.figure:<{widths[1]}}  "
            f"{row.target:<{widths[2]}}  {row.verdict}".rstrip()
        )
    misses = sum(row.passed is False for row in rows)
    checked = sum(row.passed is not None for row in rows)
    lines.append(f"{checked - misses}/{checked} targets met")
    return "\n".join(lines)


def write_json(results: EngineResults, rows: list[Row]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    document = {
        "engine": results.engine,
        "settings": results.settings,
        "generator_ceiling": results.ceiling.summary(),
        "create": {f"c{c}": figures.summary() for c, figures in sorted(results.creates.items())},
        "seed": results.seed,
        "paging": {
            key: value.summary() if isinstance(value, Timing) else value
            for key, value in results.paging.items()
        },
        "search": {
            word: {**found, "timing": found["timing"].summary()}
            for word, found in results.search.items()
        },
        "delivery": results.delivery,
        "targets": [
            {
                "check": row.label.strip(),
                "value": row.figure,
                "target": row.target,
                "result": row.verdict,
            }
            for row in rows
            if row.passed is not None
        ],
    }
    path = RESULTS_DIR / f"{results.engine}.json"
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    return path


def environment() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "commit": _git_commit(),
    }


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            capture_output=True, text=True, timeout=5, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() or "unknown"

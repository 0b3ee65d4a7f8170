"""``python -m bench``: for each engine in HUBBUB_BENCH_ENGINES, start a fresh server, measure,
print a table and write bench/results/<engine>.json. See bench/README.md."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass
from typing import Any, cast

import orjson

from bench import report, scenarios
from bench.delivery import delivery
from bench.seed import SeedPlan, search_words, seed_conversation
from bench.server import Engine, processes, running_server
from bench.webhooks import webhook_fanout

ENGINES: tuple[Engine, ...] = ("sqlite", "postgresql")
CONCURRENCY = (1, 32)


@dataclass(frozen=True)
class Config:
    engines: tuple[Engine, ...]
    seconds: float
    warmup_seconds: float
    ceiling_seconds: float
    messages: int
    depth: int
    repetitions: int

    @classmethod
    def from_env(cls) -> Config:
        env = os.environ
        names = env.get("HUBBUB_BENCH_ENGINES", " ".join(ENGINES)).split()
        unknown = [name for name in names if name not in ENGINES]
        if unknown or not names:
            raise SystemExit(f"HUBBUB_BENCH_ENGINES: choose from {' '.join(ENGINES)}")
        seconds = float(env.get("HUBBUB_BENCH_SECONDS", "10"))
        messages = int(env.get("HUBBUB_BENCH_MESSAGES", "200000"))
        return cls(
            engines=tuple(cast(Engine, name) for name in names),
            seconds=seconds,
            warmup_seconds=float(env.get("HUBBUB_BENCH_WARMUP_SECONDS", "2")),
            ceiling_seconds=min(seconds, 5.0),
            messages=messages,
            depth=int(env.get("HUBBUB_BENCH_DEPTH", str(messages // 2))),
            repetitions=int(env.get("HUBBUB_BENCH_REPETITIONS", "50")),
        )


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


async def bench_engine(engine: Engine, config: Config) -> report.EngineResults:
    log(f"{engine}: starting a fresh server")
    async with running_server(engine) as server:
        log(f"{engine}: server pid {server.pid} on port {server.port}; generator ceiling")
        ceiling = await scenarios.client_ceiling(
            server, concurrency=max(CONCURRENCY), seconds=config.ceiling_seconds
        )
        conversations = await scenarios.create_conversations(server, max(CONCURRENCY))
        creates = {}
        for concurrency in CONCURRENCY:
            log(f"{engine}: creating messages at concurrency {concurrency}")
            creates[concurrency] = await scenarios.create_throughput(
                server,
                conversations[:concurrency],
                warmup_s=config.warmup_seconds,
                seconds=config.seconds,
            )
        target = (await scenarios.create_conversations(server, 1))[0]
        log(f"{engine}: seeding {config.messages:,} messages into conversation {target}")
        seeded = await seed_conversation(
            server.database_url,
            workspace_id=server.workspace_id,
            conversation_id=target,
            channel_id=server.channel_id,
            plan=SeedPlan(count=config.messages),
        )
        waited = await scenarios.wait_until_idle(server.pid)
        log(f"{engine}: seeded in {seeded.seconds:.1f} s, idle after {waited:.1f} s; paging")
        paging = await scenarios.paging(
            server, target, depth=config.depth, repetitions=config.repetitions
        )
        log(f"{engine}: search")
        found = await scenarios.search(server, seeded.search_words, repetitions=config.repetitions)
    log(f"{engine}: delivery and webhooks, on a fresh server with its worker")
    sent, fanout = await delivery_phase(engine, config)
    return report.EngineResults(
        engine=engine,
        settings={
            **report.environment(),
            **asdict(config),
            "server_processes": processes(engine),
        },
        ceiling=ceiling,
        creates=creates,
        seed={"count": seeded.count, "seconds": seeded.seconds, "rate_per_s": seeded.rate},
        paging=paging,
        search=found,
        delivery={"sandbox": sent, "webhooks": fanout},
    )


async def delivery_phase(engine: Engine, config: Config) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sandbox sends and webhook fan-out. A failure here is reported in the results rather
    than thrown, so it does not discard the API figures measured before it."""
    sent: dict[str, Any] = {}
    fanout: dict[str, Any] = {}
    try:
        async with running_server(engine, worker=True) as server:
            sent = await delivery(server, seconds=config.seconds)
            fanout = await webhook_fanout(server, seconds=config.seconds)
    except Exception as error:  # any failure becomes part of the report
        log(f"{engine}: delivery phase FAILED: {type(error).__name__}: {error}")
        failure = {"error": f"{type(error).__name__}: {error}"}
        sent, fanout = sent or failure, fanout or failure
    log(f"{engine}: delivery {orjson.dumps(sent).decode()}")
    log(f"{engine}: webhooks {orjson.dumps(fanout).decode()}")
    return sent, fanout


def event_loop_runner() -> Callable[[Coroutine[Any, Any, Any]], Any]:
    """uvloop when installed (it is, with uvicorn[standard]): a cheaper generator."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


def main() -> int:
    config = Config.from_env()
    if config.depth < scenarios.PAGE_LARGE or config.depth + scenarios.PAGE_LARGE > config.messages:
        raise SystemExit("need 500 <= HUBBUB_BENCH_DEPTH <= HUBBUB_BENCH_MESSAGES - 500")
    log(f"engines: {' '.join(config.engines)}; words searched: {search_words(config.messages)}")
    run = event_loop_runner()
    failures = 0
    for engine in config.engines:
        try:
            results = run(bench_engine(engine, config))
        except KeyboardInterrupt:  # the server was stopped and cleaned up on the way out
            log(f"{engine}: interrupted")
            return 130
        except Exception as exc:  # report and go on with the next engine
            failures += 1
            log(f"{engine}: FAILED: {type(exc).__name__}: {exc}")
            continue
        rows = report.build_rows(results)
        print("\n" + report.render_table(results, rows) + "\n", flush=True)
        log(f"{engine}: wrote {report.write_json(results, rows)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

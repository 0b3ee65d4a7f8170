"""``hubbub jobs ...``: look at the outbox and re-run dead jobs (an operator's view, across
workspaces unless ``--workspace`` narrows it)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from hubbub.cli.context import console, open_database, print_json, run, settings_from_env
from hubbub.delivery.revive import retry_job as retry_dead_job
from hubbub.jobs.schemas import Job, JobStatus
from hubbub.jobs.service import MAX_PAGE
from hubbub.jobs.service import job as job_service
from hubbub.kit.clock import isoformat

jobs_app = typer.Typer(help="List jobs and re-run dead ones.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
WorkspaceOption = Annotated[
    str | None, typer.Option("--workspace", help="Only this workspace's jobs.")
]


@jobs_app.command("list")
def list_jobs(
    dead: Annotated[bool, typer.Option("--dead", help="Only dead jobs.")] = False,
    status: Annotated[JobStatus | None, typer.Option(help="Only jobs in this status.")] = None,
    workspace: WorkspaceOption = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE)] = 50,
    json: JsonFlag = False,
) -> None:
    """The newest jobs first."""
    statuses: list[JobStatus] | None = ["dead"] if dead else [status] if status else None

    async def main() -> list[Job]:
        async with open_database(settings_from_env()) as database, database.read() as s:
            jobs, _ = await job_service.list(s, workspace, statuses=statuses, limit=limit)
            return jobs

    jobs = run(main)
    if json:
        print_json([job.model_dump(mode="json") for job in jobs])
        return
    table = Table("id", "kind", "target", "status", "attempts", "run at", "last error")
    for job in jobs:
        table.add_row(
            job.id,
            job.kind,
            job.target_id,
            job.status,
            f"{job.attempts}/{job.max_attempts}",
            isoformat(job.run_at),
            (job.last_error or "")[:80],
        )
    console.print(table)


@jobs_app.command("retry")
def retry_job(
    job_id: Annotated[str, typer.Argument(help="The dead job's id.")],
    workspace: WorkspaceOption = None,
    json: JsonFlag = False,
) -> None:
    """Run a dead job again now, with its full number of attempts."""

    async def main() -> Job:
        async with open_database(settings_from_env()) as database, database.transaction() as s:
            return await retry_dead_job(s, workspace, job_id)

    job = run(main)
    if json:
        print_json(job.model_dump(mode="json"))
        return
    console.print(f"job [bold]{job.id}[/] ({job.kind}) is pending again")

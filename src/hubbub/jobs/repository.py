from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from hubbub.db.models import job
from hubbub.db.prepared import prepared
from hubbub.db.uow import Session


class JobRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def insert(self, values: dict[str, Any]) -> None:
        await self.session.conn.execute(_INSERT_JOB, values)


# One compiled INSERT reused for every job.
_INSERT_JOB = prepared(insert(job))

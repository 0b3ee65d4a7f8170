"""platform descriptors (channel settings)

A slot reserved so that parallel work on the "one home for each rule" issue gets one revision
each; it changes nothing until its owner fills it.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""How many outbox rows wait or are in flight, per status and channel: the `/metrics` gauge.

Only open rows are counted (`pending`, `sending`): the walk stays on the leading columns of the
sender's index (status, channel, …) and does not grow with the history of sent messages.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_outbox import OPEN_STATUSES, OutboxMessage


async def open_rows(session: AsyncSession) -> dict[tuple[str, str], int]:
    """(status, channel) → number of rows, for the open statuses only."""
    query = (
        select(OutboxMessage.status, OutboxMessage.channel, func.count())
        .where(OutboxMessage.status.in_(OPEN_STATUSES))
        .group_by(OutboxMessage.status, OutboxMessage.channel)
    )
    return {(status, channel): int(count) for status, channel, count in await session.execute(query)}

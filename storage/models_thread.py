"""The helpdesk thread of a resident's ticket (issue #18, point 3): the messages a coordinator wrote
to the resident from the dashboard and the resident's answers in chat, and who the ticket is
assigned to.

Each message names the ticket's asker (`asker_person_id`, required): when the resident erases their
data (UU 27/2022 PDP) the erasure's sweep takes the whole thread with them, their words and the
words written to them alike; the ticket itself stays, anonymised, as before."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime

TO_RESIDENT = "to_resident"
FROM_RESIDENT = "from_resident"
DIRECTIONS = (TO_RESIDENT, FROM_RESIDENT)


class TicketMessage(Base):
    """One message of a ticket's thread, in either direction."""

    __tablename__ = "ticket_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    asker_person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(16))
    # The coordinator who wrote a message to the resident (NULL for the resident's own answers).
    author_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    # The notice that carries a message to the resident, for its delivery status.
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class TicketAssignment(Base):
    """The colleague a ticket is assigned to (one at a time); erasing them unassigns it."""

    __tablename__ = "ticket_assignment"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    assigned_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    assigned_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


__all__ = ["DIRECTIONS", "FROM_RESIDENT", "TO_RESIDENT", "TicketAssignment", "TicketMessage"]

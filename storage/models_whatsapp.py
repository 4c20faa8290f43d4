"""WhatsApp delivery records: every message we send, and what Meta later says happened to it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime

# Meta reports statuses in this order; a late 'delivered' must not overwrite an earlier 'read'.
STATUS_RANK = {"accepted": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 4}


class WhatsAppOutboundMessage(Base):
    """One message sent (or attempted) on WhatsApp. The content is not kept, only its delivery."""

    __tablename__ = "whatsapp_outbound_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wamid: Mapped[str | None] = mapped_column(String(128), unique=True)  # None when the send was refused
    address: Mapped[str] = mapped_column(String(64), index=True)  # the person's wa_id
    kind: Mapped[str] = mapped_column(String(24))  # reply, notification, reminder, broadcast, …
    message_type: Mapped[str] = mapped_column(String(16))  # text, interactive, template, image, document
    template: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))  # accepted, sent, delivered, read, failed
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_title: Mapped[str | None] = mapped_column(String(240))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    read_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    failed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


__all__ = ["STATUS_RANK", "WhatsAppOutboundMessage"]

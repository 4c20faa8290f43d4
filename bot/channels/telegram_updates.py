"""Telegram updates as the core's incoming events."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType

from handlers.types import Attachment, Identity, IncomingEvent

CHANNEL = "telegram"
# Only these reach the bot: edits, reactions, group joins and the like are not conversation turns.
ALLOWED_UPDATES = ("message", "callback_query")


def incoming_event(update: Update) -> IncomingEvent | None:
    """The event for an update from a private chat, or None for anything the bot does not answer.

    The update_id is the message id the core deduplicates on, so a webhook retry or a re-fetched
    update is handled once, across restarts (the core keeps the ids in the database).
    """
    user, chat = update.effective_user, update.effective_chat
    if user is None or user.is_bot or chat is None or chat.type != ChatType.PRIVATE:
        return None
    identity = Identity(CHANNEL, str(user.id))
    message_id = str(update.update_id)
    hint = user.language_code
    query = update.callback_query
    if query is not None:
        return IncomingEvent(identity, payload=query.data or "", message_id=message_id, language_hint=hint)
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        return IncomingEvent(identity, text=message.text, message_id=message_id, language_hint=hint)
    # A caption travels with its picture; stickers, voice notes and the like arrive empty and the
    # core asks its question again.
    return IncomingEvent(
        identity,
        text=message.caption,
        attachments=attachments(message),
        message_id=message_id,
        language_hint=hint,
    )


def attachments(message: Message) -> tuple[Attachment, ...]:
    """Photos (the largest size Telegram made), documents and shared locations. `ref` is the
    file_id: stable for this bot, so it can be fetched or sent again later."""
    if message.photo:
        largest = message.photo[-1]
        return (Attachment(kind="photo", ref=largest.file_id, mime_type="image/jpeg"),)
    if message.document is not None:
        document = message.document
        return (
            Attachment(
                kind="document",
                ref=document.file_id,
                mime_type=document.mime_type,
                filename=document.file_name,
            ),
        )
    if message.location is not None:
        location = message.location
        return (Attachment(kind="location", latitude=location.latitude, longitude=location.longitude),)
    return ()

"""Slash commands, declared once. They work in every state of every conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    flow: str = ""
    args: dict[str, Any] = field(default_factory=dict)


# typed word → (command name, flow it opens). Indonesian first, English aliases beside them.
COMMANDS: dict[str, tuple[str, str]] = {
    "start": ("start", "welcome"),
    "mulai": ("start", "welcome"),
    "menu": ("menu", "menu"),
    "bantuan": ("help", ""),
    "help": ("help", ""),
    "batal": ("cancel", ""),
    "cancel": ("cancel", ""),
    "bahasa": ("language", ""),
    "language": ("language", ""),
    "daftar": ("register", "registration"),
    "register": ("register", "registration"),
    "lapor": ("report", "report"),
    "report": ("report", "report"),
    "laporanku": ("my_reports", "my_reports"),
    "myreports": ("my_reports", "my_reports"),
    "tanya": ("ask", "resident_ask"),
    "ask": ("ask", "resident_ask"),
    "sekolahrakyat": ("sr_check", "resident_sr_check"),
    "pengaduan": ("ticket", "resident_ticket"),
    "complaint": ("ticket", "resident_ticket"),
    "status": ("status", "resident_status"),
    "darurat": ("trc", "resident_trc"),
    "emergency": ("trc", "resident_trc"),
    # Coordinators (refused in the core for everyone else).
    "verifikasi": ("verify", "coordinator_verify"),
    "verify": ("verify", "coordinator_verify"),
    "siaran": ("broadcast", "coordinator_broadcast"),
    "broadcast": ("broadcast", "coordinator_broadcast"),
    "siaran_status": ("broadcast_status", "coordinator_broadcast_status"),
    "broadcast_status": ("broadcast_status", "coordinator_broadcast_status"),
    "rekap": ("recap", "coordinator_recap"),
    "recap": ("recap", "coordinator_recap"),
    "ekspor": ("export", "coordinator_export"),
    "export": ("export", "coordinator_export"),
    "tiket": ("tickets", "coordinator_tickets"),
    "tickets": ("tickets", "coordinator_tickets"),
    # A one-time link to the coordinators' web dashboard (issue #18).
    "dasbor": ("dashboard", "coordinator_dashboard"),
    "dashboard": ("dashboard", "coordinator_dashboard"),
    # The Posyandu master list of a kabupaten (issue #16): a file sent in chat, or the template.
    "imporposyandu": ("posyandu_import", "coordinator_posyandu_import"),
    "importposyandu": ("posyandu_import", "coordinator_posyandu_import"),
    # The DPMD's verification of Posyandu 6 SPM (issue #16): the ketua submits, coordinators decide.
    "ajukanverifikasi": ("posyandu_submit", "posyandu_submit"),
    "verifposyandu": ("posyandu_verify", "coordinator_posyandu_verify"),
    "verifyposyandu": ("posyandu_verify", "coordinator_posyandu_verify"),
    # A cadre's Posyandu: its profile (the ketua edits it) and its structure per SPM field (issue #16).
    "posyandu": ("posyandu", "posyandu_profile"),
    "struktur": ("structure", "posyandu_structure"),
    "structure": ("structure", "posyandu_structure"),
    # A Posyandu's documents (SK / struktur organisasi), kept; coordinators open them (issue #16).
    "dokumen": ("documents", "posyandu_documents"),
    "documents": ("documents", "posyandu_documents"),
    # Incentives, trainings, reminders: cadres; coordinators get their own screen for the first two.
    "insentif": ("incentive", "incentive"),
    "incentive": ("incentive", "incentive"),
    "pelatihan": ("training", "training"),
    "training": ("training", "training"),
    "sertifikat": ("certificates", "certificates"),
    "certificates": ("certificates", "certificates"),
    "pengingat": ("reminders", "reminder_settings"),
    "reminders": ("reminders", "reminder_settings"),
    "pelatihan_baru": ("training_create", "training_create"),
    "newtraining": ("training_create", "training_create"),
    # A Posyandu's child register and weighing day (issue #17): cadres.
    "balita": ("children", "children"),
    "children": ("children", "children"),
    "timbang": ("weighing", "weighing"),
    "weigh": ("weighing", "weighing"),
    # A mother sees her child's growth (issue #17 point 6).
    "anakku": ("my_child", "my_child"),
    "mychild": ("my_child", "my_child"),
    "tindaklanjut": ("child_followup", "child_followup"),
    "followup": ("child_followup", "child_followup"),
    # Personal data under UU 27/2022: everyone, with or without consent.
    "privasi": ("privacy", "privacy"),
    "privacy": ("privacy", "privacy"),
    "hapusdata": ("erase", "privacy_erase"),
    "deletedata": ("erase", "privacy_erase"),
    # A resident answers a coordinator's message about their ticket (issue #18): the notice's
    # "Balas" button types "/balas KB-2026-000123".
    "balas": ("reply", "resident_ticket_reply"),
    "reply": ("reply", "resident_ticket_reply"),
}

# Commands that take the rest of the line: command name → argument of the flow it opens.
# "/tanya gmn cara daftar sekolah rakyat", "/status KB-2026-000123".
LINE_ARGUMENTS: dict[str, str] = {
    "ask": "question",
    "status": "number",
    "recap": "month",
    "export": "month",
    "reply": "number",
}


def parse_command(text: str | None) -> Command | None:
    """'/lapor', '/Lapor@KaderBot' → a command; ordinary text → None; an unknown '/x' → 'unknown'."""
    if not text:
        return None
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    head, *tail = stripped[1:].split(maxsplit=1)
    rest = tail[0] if tail else ""
    word = head.split("@", 1)[0].casefold()
    name, flow = COMMANDS.get(word, ("unknown", "unknown_command"))
    argument = LINE_ARGUMENTS.get(name)
    if argument is not None and rest.strip():
        return Command(name, flow, {argument: rest.strip()})
    return Command(name, flow)


def command_button(payload: str | None) -> Command | None:
    """A button that types a command ('/balas KB-2026-000123'): a notice sent outside any turn of
    the person's conversation carries one, since no question on their screen waits for it. It can
    do nothing typing the same command could not."""
    if not payload or not payload.startswith("/"):
        return None
    return parse_command(payload)

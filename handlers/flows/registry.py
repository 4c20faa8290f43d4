"""All flows, by name. The one place that lists them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from handlers.flows.base import Flow
from handlers.flows.child_followup import ChildFollowUpFlow
from handlers.flows.children import ChildAddFlow, ChildrenFlow
from handlers.flows.coordinator_broadcast import BroadcastFlow
from handlers.flows.coordinator_broadcast_status import BroadcastStatusFlow
from handlers.flows.coordinator_export import ExportFlow
from handlers.flows.coordinator_growth import GrowthRecapFlow
from handlers.flows.coordinator_recap import RecapFlow
from handlers.flows.coordinator_tickets import TicketsFlow
from handlers.flows.coordinator_verify import VerifyFlow
from handlers.flows.dashboard_link import DashboardLinkFlow
from handlers.flows.incentive_admin import IncentiveAdminFlow
from handlers.flows.incentive_status import IncentiveFlow
from handlers.flows.language import LanguageFlow
from handlers.flows.menu import MenuFlow
from handlers.flows.my_child import MyChildFlow
from handlers.flows.my_reports import MyReportsFlow
from handlers.flows.posyandu_documents import DocumentsFlow
from handlers.flows.posyandu_import import PosyanduImportFlow
from handlers.flows.posyandu_profile import ProfileEditFlow, ProfileFlow
from handlers.flows.posyandu_structure import StructureFlow
from handlers.flows.posyandu_verify import PosyanduRecapFlow, PosyanduSubmitFlow, PosyanduVerifyFlow
from handlers.flows.privacy import PrivacyFlow
from handlers.flows.privacy_erase import EraseFlow
from handlers.flows.registration import RegistrationFlow
from handlers.flows.reminder_settings import ReminderSettingsFlow
from handlers.flows.report import ReportFlow
from handlers.flows.resident_ask import ResidentAskFlow
from handlers.flows.resident_sr_check import SekolahRakyatCheckFlow
from handlers.flows.resident_status import StatusFlow
from handlers.flows.resident_ticket import TicketFlow
from handlers.flows.resident_ticket_reply import TicketReplyFlow
from handlers.flows.resident_trc import TrcFlow
from handlers.flows.training_admin import TrainingAdminFlow
from handlers.flows.training_cadre import TrainingFlow
from handlers.flows.training_certificates import CertificatesFlow
from handlers.flows.training_create import TrainingCreateFlow
from handlers.flows.weighing import WeighingFlow
from handlers.flows.welcome import WelcomeFlow
from handlers.posyandu.verification import DEFAULT_DEADLINE
from handlers.programs import Programs
from handlers.programs.emergency import EmergencyNumbers
from handlers.programs.library import DEFAULT_LOCALES
from handlers.retention import RetentionPolicy
from handlers.safety import DangerDetector
from handlers.safety.answer import SafetyFlow


def build_flows(
    locales_dir: Path = DEFAULT_LOCALES,
    *,
    retention: RetentionPolicy | None = None,
    posyandu_deadline: dt.date = DEFAULT_DEADLINE,
    dashboard_url: str = "http://127.0.0.1:8080",
) -> dict[str, Flow]:
    programs = Programs.load(locales_dir)
    emergency = EmergencyNumbers.load(locales_dir)
    flows: list[Flow] = [
        WelcomeFlow(),
        LanguageFlow(),
        MenuFlow(),
        RegistrationFlow(),
        ReportFlow(),
        MyReportsFlow(),
        ResidentAskFlow(programs),
        SekolahRakyatCheckFlow(),
        TicketFlow(),
        TicketReplyFlow(),  # the resident's "Balas" to a coordinator's message (issue #18)
        StatusFlow(),
        TrcFlow(emergency),
        VerifyFlow(),
        BroadcastFlow(),
        BroadcastStatusFlow(),
        RecapFlow(),
        ExportFlow(),
        TicketsFlow(),
        PosyanduImportFlow(),
        DashboardLinkFlow(dashboard_url),  # the web dashboard's login link (issue #18)
        # Incentives, trainings, reminders (issue #7).
        IncentiveFlow(),
        IncentiveAdminFlow(),
        TrainingFlow(),
        TrainingAdminFlow(),
        TrainingCreateFlow(),
        CertificatesFlow(),
        ReminderSettingsFlow(),
        # A Posyandu's profile and its structure per SPM field (issue #16).
        ProfileFlow(),
        ProfileEditFlow(),
        StructureFlow(),
        DocumentsFlow(),
        # The DPMD's verification of Posyandu 6 SPM and its recap (issue #16).
        PosyanduSubmitFlow(),
        PosyanduVerifyFlow(),
        PosyanduRecapFlow(posyandu_deadline),
        # The child register and weighing day (issue #17).
        ChildrenFlow(),
        ChildAddFlow(),
        WeighingFlow(),
        MyChildFlow(),
        ChildFollowUpFlow(),
        GrowthRecapFlow(),  # coordinators' stunting/wasting/underweight recap, from /rekap
        # Personal data under UU 27/2022 (issue #8).
        PrivacyFlow(retention),
        EraseFlow(),
        # The safety net (issue #13): the core asks it about every typed message first.
        SafetyFlow(DangerDetector.load(locales_dir), emergency),
    ]
    return {flow.name: flow for flow in flows}

"""All flows, by name. The one place that lists them."""

from __future__ import annotations

from handlers.flows.base import Flow
from handlers.flows.language import LanguageFlow
from handlers.flows.menu import MenuFlow
from handlers.flows.my_reports import MyReportsFlow
from handlers.flows.registration import RegistrationFlow
from handlers.flows.report import ReportFlow
from handlers.flows.welcome import WelcomeFlow


def build_flows() -> dict[str, Flow]:
    flows: list[Flow] = [
        WelcomeFlow(),
        LanguageFlow(),
        MenuFlow(),
        RegistrationFlow(),
        ReportFlow(),
        MyReportsFlow(),
    ]
    return {flow.name: flow for flow in flows}

"""Module declarations are checked when the class is created (STYLE.md §2.2)."""

from __future__ import annotations

import pytest

from w3py.api import Module, ModuleDeclarationError, Notification, NotificationStatus, Priority
from w3py.pipeline.module import registered_module, unregister_module


def test_mask_comes_from_method_names() -> None:
    class MaskProbeModule(Module):
        name = "MaskProbeModule"
        sections = ()

        def on_begin_request(self, ctx):  # noqa: ANN001
            return NotificationStatus.CONTINUE

        def on_post_map_request_handler(self, ctx):  # noqa: ANN001
            return None

        def on_send_response(self, ctx):  # noqa: ANN001
            return None

    try:
        assert MaskProbeModule.notifications == Notification.BEGIN_REQUEST | Notification.SEND_RESPONSE
        assert MaskProbeModule.post_notifications == Notification.MAP_REQUEST_HANDLER
        assert registered_module("MaskProbeModule") is MaskProbeModule
    finally:
        unregister_module("MaskProbeModule")


def test_typo_in_handler_name_is_rejected() -> None:
    with pytest.raises(ModuleDeclarationError, match="on_begin_requst"):

        class TypoModule(Module):
            name = "TypoModule"
            sections = ()

            def on_begin_requst(self, ctx):  # noqa: ANN001
                return None


def test_priority_for_unhandled_notification_is_rejected() -> None:
    with pytest.raises(ModuleDeclarationError, match="AUTHORIZE_REQUEST"):

        class PrioModule(Module):
            name = "PrioModule"
            sections = ()
            priority = {Notification.AUTHORIZE_REQUEST: Priority.HIGH}

            def on_begin_request(self, ctx):  # noqa: ANN001
                return None


def test_sections_must_be_declared() -> None:
    with pytest.raises(ModuleDeclarationError, match="sections"):

        class NoSectionsModule(Module):
            name = "NoSectionsModule"

            def on_begin_request(self, ctx):  # noqa: ANN001
                return None


def test_name_must_be_declared() -> None:
    with pytest.raises(ModuleDeclarationError, match="name"):

        class NamelessModule(Module):
            sections = ()


def test_duplicate_name_is_rejected() -> None:
    class FirstDupModule(Module):
        name = "DupProbeModule"
        sections = ()

    try:
        with pytest.raises(ModuleDeclarationError, match="already taken"):

            class SecondDupModule(Module):
                name = "DupProbeModule"
                sections = ()
    finally:
        unregister_module("DupProbeModule")


def test_end_notifications_must_be_sync() -> None:
    with pytest.raises(ModuleDeclarationError, match="plain def"):

        class AsyncLogModule(Module):
            name = "AsyncLogModule"
            sections = ()

            async def on_log_request(self, ctx):  # noqa: ANN001
                return None


def test_abstract_base_needs_no_name() -> None:
    class Base(Module, abstract=True):
        def on_begin_request(self, ctx):  # noqa: ANN001
            return None

    class ConcreteProbeModule(Base):
        name = "ConcreteProbeModule"
        sections = ()

    try:
        assert ConcreteProbeModule.notifications == Notification.BEGIN_REQUEST
    finally:
        unregister_module("ConcreteProbeModule")

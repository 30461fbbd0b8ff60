"""IIS's log files: the W3C site log (``writer``), the HTTPERR log (``httperr``), the field table both share
with the reader (``fields``), and the reader the analyzer uses (``reader``). See docs/logs.md."""

from w3py.logs._files import flush_all

__all__ = ["flush_all"]

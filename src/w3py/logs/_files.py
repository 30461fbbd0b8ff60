"""The file machinery shared by the W3C and HTTPERR writers: buffered lines, whole-line appends, one header.

Theory of operation
-------------------
Several worker processes (a web garden) write the same log file. Three rules keep the file well-formed:

Rule 1: every write is ``O_APPEND`` and carries whole lines only, so lines from two processes never
interleave: the kernel places each ``write()`` at the end of the file.

Rule 2: a writer takes an exclusive ``flock`` on the file for the duration of one append, and decides under
the lock whether a header block is needed. It is needed when the file is empty, or when the last ``#Fields``
directive in the file is not this writer's (another process with another field set wrote since). So when
two processes start on a new file, only the first one writes the header: the second finds the file
non-empty and the header identical. IIS also repeats the header after a restart; we don't when the field set
is unchanged, because the invariant "one header block per file and field set" is what readers rely on.

Rule 3: if the file does not end with a newline (a process was killed mid-write, or another tool wrote a
partial line), a newline is written first so that our first line is not glued to the fragment; the fragment
stays one malformed line that readers count.

Lines are buffered in memory and written by a per-process background thread at least once a second
(``FLUSH_INTERVAL_S``) or as soon as ``FLUSH_BYTES`` are pending, so a request never waits on the disk; if
the disk falls behind by ``MAX_PENDING_BYTES``, the caller writes inline (back-pressure rather than
unbounded memory). A directory that cannot be written is reported once on ``w3py.logs`` and the lines are
dropped; serving goes on, and the next successful write is reported too.
"""

from __future__ import annotations

import atexit
import fcntl
import logging
import os
import threading
import weakref
from pathlib import Path

from w3py.core import clock

log = logging.getLogger("w3py.logs")

#: Flush at least this often (issue: "flushed at least every second").
FLUSH_INTERVAL_S = 1.0
#: Pending bytes that wake the flusher early (IIS's default W3C buffer is 64 KB).
FLUSH_BYTES = 64 * 1024
#: Pending bytes beyond which ``write()`` flushes inline instead of growing the buffer.
MAX_PENDING_BYTES = 4 * 1024 * 1024
#: How far back from the end of a file we look for its last ``#Fields`` directive before assuming it is
#: not ours (and writing a fresh header, which is always safe for readers).
HEADER_SCAN_LIMIT_BYTES = 16 * 1024 * 1024
_SCAN_CHUNK = 64 * 1024
_FIELDS_MARK = b"#Fields:"


class LogFile:
    """One open log file, appended to with Rules 1–3. Not thread-safe: callers hold their own lock."""

    def __init__(self, path: Path, fields_line: str) -> None:
        self.path = path
        self._fields = fields_line.encode("ascii", "replace")
        self._fd: int | None = None
        self._ino: tuple[int, int] | None = None
        # Size of the file just after our last append: the file's last #Fields is ours up to there.
        self._known_end = -1

    # --- opening -----------------------------------------------------------------------------------------
    def _ensure_open(self) -> int:
        if self._fd is not None:
            # The file may have been moved away or deleted (log rotation by an admin): start a new one.
            try:
                st = os.stat(self.path)
                if (st.st_dev, st.st_ino) == self._ino:
                    return self._fd
            except FileNotFoundError:
                pass
            self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        st = os.fstat(fd)
        self._fd, self._ino, self._known_end = fd, (st.st_dev, st.st_ino), -1
        return fd

    def close(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            finally:
                self._fd = None
                self._ino = None

    # --- appending ---------------------------------------------------------------------------------------
    def append(self, body: bytes, header: bytes, max_size: int | None = None) -> int | None:
        """Append ``body`` (whole lines), preceded by ``header`` if Rule 2 says so.

        Returns the file size afterwards, or ``None`` without writing when the file already holds
        ``max_size`` bytes or more (the caller moves on to the next file of a size-based series).
        """
        fd = self._ensure_open()
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            size = os.fstat(fd).st_size
            if max_size is not None and size >= max_size:
                return None
            parts = []
            if size > 0 and _read_at(self.path, size - 1, 1) != b"\n":
                parts.append(b"\n")
            if size == 0 or not self._fields_current(fd, size):
                parts.append(header)
            parts.append(body)
            data = b"".join(parts)
            _write_all(fd, data)
            self._known_end = size + len(data)
            return self._known_end
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _fields_current(self, fd: int, size: int) -> bool:
        """Whether the last ``#Fields`` directive before ``size`` is ours."""
        if size == self._known_end:
            return True
        limit_stop = max(0, size - HEADER_SCAN_LIMIT_BYTES)
        # Up to _known_end the file's fields were ours; only what others appended since needs a look.
        known = limit_stop <= self._known_end < size
        stop = self._known_end if known else limit_stop
        end = size
        while end > stop:
            start = max(stop, end - _SCAN_CHUNK)
            lo = max(0, start - 1)  # include the newline before a directive that starts at `start`
            # Overlap the next chunk by the marker's length so a directive split across chunks is found.
            chunk = _read_at(self.path, lo, min(size, end + len(_FIELDS_MARK)) - lo)
            pos = chunk.rfind(b"\n" + _FIELDS_MARK)
            if pos >= 0:
                line_start = lo + pos + 1
            elif lo == 0 and chunk.startswith(_FIELDS_MARK):
                line_start = 0
            else:
                end = start
                continue
            line = _read_at(self.path, line_start, min(size - line_start, 64 * 1024)).split(b"\n", 1)[0]
            return line.rstrip(b"\r") == self._fields
        return known


def _read_at(path: Path, offset: int, length: int) -> bytes:
    # Our descriptor is write-only (O_APPEND); reads go through a short-lived read descriptor.
    rfd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        return os.pread(rfd, length, offset)
    finally:
        os.close(rfd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


_NO_TARGET = object()


class BufferedLog:
    """Lines buffered in memory and written by the process's flusher thread (base of both writers).

    Subclasses implement ``_write_batches(batches)``, where ``batches`` is a list of ``(target, lines,
    started)`` in arrival order; ``target`` is whatever the subclass tagged the lines with (the W3C writer uses
    the period's file name, so lines are written to the file of the time they were logged) and ``started``
    the UTC time of the batch's first line (``YYYY-MM-DD HH:MM:SS``, what a header's ``#Date`` shows).
    """

    def __init__(self, description: str) -> None:
        self._description = description
        self._lock = threading.Lock()  # guards the buffer
        self._io_lock = threading.Lock()  # one flush at a time
        self._batches: list[tuple[object, list[str], str]] = []
        # The last batch's target and lines (what most lines are appended to); _NO_TARGET after a flush.
        self._target: object = _NO_TARGET
        self._lines: list[str] = []
        self._pending = 0
        self._failing = False
        self._closed = False
        self.dropped_lines = 0
        _Flusher.register(self)

    def _add(self, target: object, line: str) -> None:
        with self._lock:
            if target == self._target:
                self._lines.append(line)
            else:
                # A new batch: the first line, a new period's file, or the first line since a flush.
                self._target, self._lines = target, [line]
                self._batches.append((target, self._lines, " ".join(clock.CLOCK.w3c())))
            self._pending += len(line)
            pending = self._pending
        if pending >= FLUSH_BYTES:
            if pending >= MAX_PENDING_BYTES:
                self.flush()
            elif pending - len(line) < FLUSH_BYTES:
                # Wake the flusher once, when the buffer crosses the mark: waking it again on every line
                # until it gets the GIL would cost each of those requests an Event.set().
                _Flusher.wake()

    def request_flush(self) -> None:
        """Have the flusher thread write the buffered lines soon (without waiting for it here)."""
        _Flusher.wake()

    def flush(self) -> None:
        """Write every buffered line now."""
        with self._io_lock:
            with self._lock:
                batches, self._batches, self._pending = self._batches, [], 0
                self._target = _NO_TARGET
            if not batches:
                return
            try:
                self._write_batches(batches)
            except OSError as exc:
                self.dropped_lines += sum(len(lines) for _, lines, _ in batches)
                if not self._failing:
                    self._failing = True
                    log.error("cannot write %s: %s; log lines are dropped until it works again", self._description, exc)
                return
            if self._failing:
                self._failing = False
                log.warning("writing %s again (%d lines were dropped)", self._description, self.dropped_lines)

    def _after_fork(self) -> None:
        # In a child process: the buffered lines belong to the parent (it will write them), the locks may
        # have been held by a parent thread at fork time, and the inherited descriptors share the parent's
        # open file description, so flock would not keep parent and child apart. Start afresh.
        self._lock = threading.Lock()
        self._io_lock = threading.Lock()
        self._batches = []
        self._target = _NO_TARGET
        self._pending = 0
        self._close_files()

    def close(self) -> None:
        """Flush and close the files. Further lines are ignored."""
        if self._closed:
            return
        self.flush()
        self._closed = True
        _Flusher.unregister(self)
        with self._io_lock:
            self._close_files()

    def _write_batches(self, batches: list[tuple[object, list[str], str]]) -> None:  # pragma: no cover
        raise NotImplementedError

    def _close_files(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Flusher:
    """One daemon thread per process that flushes every live log at least every ``FLUSH_INTERVAL_S``.

    Started lazily and restarted after a ``fork()`` (threads do not survive it), so writers built before
    the supervisor forks its workers still flush in each worker.
    """

    _logs: weakref.WeakSet[BufferedLog] = weakref.WeakSet()
    _event = threading.Event()
    _pid = -1
    _guard = threading.Lock()

    @classmethod
    def register(cls, buffered: BufferedLog) -> None:
        with cls._guard:
            cls._logs.add(buffered)
            cls._ensure_thread()

    @classmethod
    def _ensure_thread(cls) -> None:
        # Called with _guard held.
        if cls._pid != os.getpid():
            cls._pid = os.getpid()
            cls._event = threading.Event()
            threading.Thread(target=cls._run, name="w3py-log-flusher", daemon=True).start()

    @classmethod
    def unregister(cls, buffered: BufferedLog) -> None:
        with cls._guard:
            cls._logs.discard(buffered)

    @classmethod
    def wake(cls) -> None:
        if cls._pid != os.getpid():
            with cls._guard:
                cls._ensure_thread()
        cls._event.set()

    @classmethod
    def _run(cls) -> None:
        pid = os.getpid()
        event = cls._event
        while cls._pid == pid:
            event.wait(FLUSH_INTERVAL_S)
            event.clear()
            with cls._guard:
                logs = list(cls._logs)
            for buffered in logs:
                try:
                    buffered.flush()
                except Exception:  # never let the flusher die: the next round retries
                    log.exception("log flush failed")


def flush_all() -> None:
    """Flush every live log of this process (called at interpreter exit too, so a clean stop loses nothing)."""
    with _Flusher._guard:
        logs = list(_Flusher._logs)
    for buffered in logs:
        try:
            buffered.flush()
        except Exception:
            log.exception("log flush failed")


atexit.register(flush_all)


def _after_fork_in_child() -> None:
    _Flusher._guard = threading.Lock()
    _Flusher._pid = -1
    logs = list(_Flusher._logs)
    for buffered in logs:
        buffered._after_fork()
    if logs:
        with _Flusher._guard:
            _Flusher._ensure_thread()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def highest_sequence(directory: Path, prefix: str, suffix: str = ".log") -> int:
    """The largest N among ``<prefix>N<suffix>`` files in ``directory`` (0 if none)."""
    best = 0
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    lp = prefix.lower()
    for name in names:
        low = name.lower()
        if low.startswith(lp) and low.endswith(suffix):
            digits = low[len(lp) : len(low) - len(suffix)]
            if digits.isdigit():
                best = max(best, int(digits))
    return best

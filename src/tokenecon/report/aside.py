"""Run one piece of report work in a forked child process while this process writes the tables.

The figures of a run folder take as long to draw as its tables take to write, and neither reads
what the other writes; on a machine with two or more cores they overlap. The child is a fork, so
it sees the finished `Result` as it is (nothing is pickled) and writes its files into the same
temporary folder; the files it writes are the ones drawing in this process would write.

A fork is used only where it is safe: on Linux, from a process running a single thread (a
notebook kernel, a Dask worker or a progress-bar thread keeps the work in this process). Any
failure in the child is raised here, with its traceback, when the work is waited for.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

from ..errors import TokenEconError

__all__ = ["Aside", "aside", "can_fork"]


class AsideError(RuntimeError):
    """The work done in the child process failed (its traceback is the message)."""


_USER_ERROR = 3  # the child's exit code when its pipe carries a pickled TokenEconError


def can_fork() -> bool:
    """A fork is safe here: Linux, one thread, more than one processor to run on."""
    return (sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1
            and len(os.sched_getaffinity(0)) > 1)


class Aside:
    """Work started with `aside`: ``wait()`` returns when it is done, or raises what it raised."""

    def __init__(self, pid: int | None, pipe: int | None) -> None:
        self._pid, self._pipe = pid, pipe

    def wait(self) -> None:
        if self._pid is None:
            return
        pid, pipe = self._pid, self._pipe
        assert pipe is not None
        chunks = []
        try:  # interrupted (Ctrl-C) while waiting: stop the child too, never leave it drawing
            while chunk := os.read(pipe, 65536):
                chunks.append(chunk)
            _, status = os.waitpid(pid, 0)
        except BaseException:
            self.cancel()
            raise
        os.close(pipe)
        self._pid = self._pipe = None
        code, data = os.waitstatus_to_exitcode(status), b"".join(chunks)
        if code == _USER_ERROR:
            try:
                error = pickle.loads(data)  # written by our own forked child, never by another party
            except Exception as broken:  # noqa: BLE001
                raise AsideError(f"drawing in the child process failed: {broken!r}") from None
            raise error
        if code != 0:
            message = data.decode("utf-8", "replace") or f"exit status {status}"
            raise AsideError(f"drawing in the child process failed:\n{message}")

    def cancel(self) -> None:
        """Stop the child (this process failed first) and reap it."""
        if self._pid is None:
            return
        try:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
        except (ProcessLookupError, ChildProcessError):  # already gone, or already reaped
            pass
        if self._pipe is not None:
            os.close(self._pipe)
        self._pid = self._pipe = None

    def __enter__(self) -> Aside:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            self.wait()
        else:
            self.cancel()


def _report(pipe: int, error: BaseException) -> int:
    """Send the child's failure to the parent: a user's error as itself, anything else as text."""
    try:
        if isinstance(error, TokenEconError):
            try:
                data, code = pickle.dumps(error), _USER_ERROR
            except Exception:  # noqa: BLE001 (an unpicklable error still arrives, as its text)
                data, code = traceback.format_exc().encode("utf-8", "replace"), 1
        else:
            data, code = traceback.format_exc().encode("utf-8", "replace"), 1
        view = memoryview(data)
        while view:
            view = view[os.write(pipe, view):]
    except BaseException:  # noqa: BLE001
        return 1
    return code


def aside(work: Callable[[], None], *, fork: bool | None = None) -> Aside:
    """Start `work` in a forked child (when `can_fork`, or `fork` says so) or do it here and now."""
    if not (can_fork() if fork is None else fork):
        work()
        return Aside(None, None)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, report a failure on the pipe, never return to the caller
        code = 1
        try:
            os.close(read)
            work()
            code = 0
        except BaseException as error:  # noqa: BLE001 (every failure goes back to the parent)
            code = _report(write, error)
        finally:
            os._exit(code)  # no atexit handlers, no flushing of the parent's buffers
    os.close(write)
    return Aside(pid, read)

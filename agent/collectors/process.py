"""Run a program with a hard deadline and bounded output.

Collectors call vendor tools, modem utilities and integrators' scripts. Any of them may
hang, fork a helper that keeps our pipes open, or print without end. So: no shell (an
argv list), a new session so the whole process group can be killed on timeout
(``subprocess.run`` kills only the child, then waits for pipes a grandchild still
holds), and a cap on what is read, so a runaway cannot grow the agent's memory.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from typing import NamedTuple

MAX_OUTPUT_BYTES = 1024 * 1024


class CommandError(Exception):
    """The program could not run, timed out, or broke a limit (it has been killed)."""


class Completed(NamedTuple):
    returncode: int
    stdout: bytes
    stderr: bytes

    def stderr_tail(self, limit: int = 200) -> str:
        text = self.stderr.decode("utf-8", "replace").strip()
        return text[-limit:]


def run_command(
    argv: Sequence[str],
    *,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
    max_output_bytes: int = MAX_OUTPUT_BYTES,
) -> Completed:
    """Run ``argv`` and return its exit status and output, or raise ``CommandError``."""
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env={**os.environ, **env} if env else None,
        )
    except FileNotFoundError:
        raise CommandError(f"command not found: {argv[0]}") from None
    except PermissionError:
        raise CommandError(f"command not executable: {argv[0]}") from None
    except OSError as exc:
        raise CommandError(f"cannot run {argv[0]}: {exc.strerror or exc}") from None
    deadline = time.monotonic() + timeout_s
    outputs = {"stdout": bytearray(), "stderr": bytearray()}
    try:
        with selectors.DefaultSelector() as selector:
            assert proc.stdout is not None and proc.stderr is not None
            selector.register(proc.stdout, selectors.EVENT_READ, "stdout")
            selector.register(proc.stderr, selectors.EVENT_READ, "stderr")
            while selector.get_map():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CommandError(f"timed out after {timeout_s:g}s")
                for key, _ in selector.select(remaining):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fileobj)
                        continue
                    buffer = outputs[key.data]
                    buffer += chunk
                    if len(buffer) > max_output_bytes:
                        raise CommandError(f"{key.data} exceeds {max_output_bytes} bytes")
        try:
            returncode = proc.wait(timeout=max(deadline - time.monotonic(), 0.001))
        except subprocess.TimeoutExpired:
            raise CommandError(f"timed out after {timeout_s:g}s") from None
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    return Completed(returncode, bytes(outputs["stdout"]), bytes(outputs["stderr"]))


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    # The child leads its own session (start_new_session), so its pid is the group id;
    # it is not reaped yet, so the id cannot have been reused by another process.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    # Unkillable (D state) for now: the OS reaps it later; do not hang the collector.
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=2)

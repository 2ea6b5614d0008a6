"""Runs the upload checks and text extraction in a subprocess with a time and memory
limit (P-29), so that a hostile file cannot hang or crash a web or Celery worker.

The child (`sandbox_child.py`) gets the file's bytes on stdin and answers on stdout. It
runs with `python -I` and a minimal environment: the master keys and other secrets in
this process's environment are not handed to code that parses untrusted input.
"""

import json
import logging
import math
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

CHILD = Path(__file__).with_name("sandbox_child.py")

OK = "ok"
FAILED = "failed"  # the child answered that it could not do the work
TIMEOUT = "timeout"  # killed at the time limit
CRASHED = "crashed"  # died (memory, CPU limit, signal) without an answer


@dataclass(frozen=True)
class SandboxResult:
    status: str
    header: dict[str, Any] = field(default_factory=dict)
    payload: bytes = b""

    @property
    def reason(self) -> str:
        return str(self.header.get("reason", self.status))


def _environment() -> dict[str, str]:
    return {"PATH": os.defpath, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


def sandbox_run(
    *, mode: str, argument: str, content: bytes, seconds: float, memory_bytes: int
) -> SandboxResult:
    """Run the child in `mode` ("check" or "extract") on `content`.

    Returns a SandboxResult; never raises for anything the file does. The child is killed
    after `seconds` of wall time, and limits itself to `memory_bytes` of address space
    and about `seconds` of CPU time.
    """
    command = [
        sys.executable,
        "-I",
        str(CHILD),
        mode,
        str(memory_bytes),
        str(math.ceil(seconds) + 1),
        argument,
    ]
    try:
        process = subprocess.run(  # noqa: S603 - fixed command, the file goes to stdin
            command,
            input=content,
            capture_output=True,
            timeout=seconds,
            env=_environment(),
            cwd=tempfile.gettempdir(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        # subprocess.run has killed the child (SIGKILL) and reaped it.
        logger.warning("document sandbox: %s killed after %s seconds", mode, seconds)
        return SandboxResult(TIMEOUT)
    header_line, _newline, payload = process.stdout.partition(b"\n")
    try:
        header = json.loads(header_line) if process.returncode == 0 else None
    except ValueError:
        header = None
    if not isinstance(header, dict):
        # stderr is not logged: a parser's traceback may quote the file.
        logger.warning("document sandbox: %s died with code %s", mode, process.returncode)
        return SandboxResult(CRASHED)
    if not header.get("ok"):
        if header.get("reason") in ("error", "memory"):
            logger.warning(
                "document sandbox: %s failed (%s)", mode, header.get("error", header["reason"])
            )
        return SandboxResult(FAILED, header)
    return SandboxResult(OK, header, payload)

"""The sandbox subprocess: reads a file on stdin, checks it or extracts its text, and
answers on stdout with one JSON line followed by the payload bytes.

It is started by `sandbox.py` with `python -I` and an environment without secrets, and
limits itself before it imports any parser: address space (a decompression or allocation
spiral ends in MemoryError), CPU seconds (a loop is killed by the kernel even if the
parent's timer fails), no file writes and no core dumps. Errors are reported by exception
class name only: a parser's message may quote the file's content.
"""

import json
import resource
import sys
from pathlib import Path
from typing import Any


def _limit(memory_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _run(mode: str, argument: str, data: bytes) -> tuple[dict[str, Any], bytes]:
    from fortrolig.documents import checks, extractors

    if mode == "check":
        try:
            verdict = checks.check_content(data, checks.Limits(**json.loads(argument)))
        except checks.Refusal as refusal:
            return {"ok": False, "reason": refusal.reason}, b""
        unchanged = verdict.content is data
        header = {
            "ok": True,
            "format": verdict.format,
            "content_type": verdict.content_type,
            "extension": verdict.extension,
            "unchanged": unchanged,
        }
        return header, b"" if unchanged else verdict.content
    if mode == "extract":
        try:
            text = extractors.extract_text(argument, data)
        except extractors.NoText:
            return {"ok": False, "reason": "no_text"}, b""
        return {"ok": True}, text.encode("utf-8", "replace")
    return {"ok": False, "reason": "unknown_mode"}, b""


def main(argv: list[str]) -> int:
    mode, memory_bytes, cpu_seconds, argument = argv[1], int(argv[2]), int(argv[3]), argv[4]
    _limit(memory_bytes, cpu_seconds)
    # -I leaves the project off sys.path; append (never prepend) its root.
    sys.path.append(str(Path(__file__).resolve().parents[2]))
    data = sys.stdin.buffer.read()
    try:
        header, payload = _run(mode, argument, data)
    except MemoryError:
        header, payload = {"ok": False, "reason": "memory"}, b""
    except RecursionError:
        header, payload = {"ok": False, "reason": "too_complex"}, b""
    except Exception as exc:
        header, payload = {"ok": False, "reason": "error", "error": type(exc).__name__}, b""
    out = sys.stdout.buffer
    out.write(json.dumps(header).encode("ascii") + b"\n")
    out.write(payload)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""The local stack's environment file: how `vidpipe up` tells other commands where it is.

The file is a shell script of `export NAME=value` lines (`source .vidpipe/local.env` works)
that also names the process serving the stack. A file whose process is gone is ignored, so a
stack that was killed never sends commands to a dead endpoint. `vidpipe provision --env-file`
writes a file with no process (`persistent=True`): the resources outlive the command, so the file
stays valid until it is removed.
"""

from __future__ import annotations

import os
import shlex
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, MutableMapping
    from pathlib import Path

PID_VARIABLE = "VIDPIPE_LOCAL_PID"


def write_local_env(
    path: Path, values: Mapping[str, str], *, pid: int | None = None, persistent: bool = False
) -> None:
    """Write `values`; the file names process `pid` (default: this one) and is valid while it
    lives, or with `persistent` names no process and is valid until removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if persistent:
        lines = ["# Written by `vidpipe provision`. Source it or let vidpipe read it."]
        entries = dict(values)
    else:
        lines = [
            "# Written by `vidpipe up`; removed when it stops. Source it or let vidpipe read it."
        ]
        entries = {**values, PID_VARIABLE: str(pid if pid is not None else os.getpid())}
    lines += [f"export {name}={shlex.quote(value)}" for name, value in entries.items()]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def parse_local_env(text: str) -> dict[str, str]:
    """NAME=value pairs of the file, with or without `export`, quotes removed."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        name, sep, rest = line.partition("=")
        if not sep or not name.isidentifier():
            continue
        parts = shlex.split(rest) if rest else [""]
        values[name] = parts[0] if parts else ""
    return values


def read_local_env(path: Path) -> dict[str, str] | None:
    """The file's variables, or None when there is no file or the stack that wrote it is gone
    (a file that names no process, `vidpipe provision`'s, is always read)."""
    try:
        values = parse_local_env(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return None
    if PID_VARIABLE not in values:
        return values
    pid_text = values.pop(PID_VARIABLE)
    if not pid_text.isdigit() or not _process_alive(int(pid_text)):
        return None
    return values


def remove_local_env(path: Path, *, pid: int | None = None) -> None:
    """Remove the file if the process `pid` (default: this one) wrote it."""
    owner = str(pid if pid is not None else os.getpid())
    try:
        values = parse_local_env(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    if values.get(PID_VARIABLE) == owner:
        path.unlink(missing_ok=True)


def apply_local_env(path: Path, environ: MutableMapping[str, str]) -> bool:
    """Point `environ` at a running local stack when it names no endpoint of its own.

    Variables already set win; returns whether the file was used.
    """
    if environ.get("AWS_ENDPOINT_URL"):
        return False
    values = read_local_env(path)
    if values is None:
        return False
    for name, value in values.items():
        environ.setdefault(name, value)
    return True


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

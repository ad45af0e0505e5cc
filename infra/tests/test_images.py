"""The worker Dockerfiles install what the test environments install, and run the worker.

Images and test environments install from the same locks by construction: a workspace member's
image runs `uv sync --frozen` on uv.lock (its test environment: the same plus the test extra), a
torch project's image installs its requirements.txt (its test environment: requirements-test.txt,
compiled from the same pins by scripts/lock.sh). These tests check that each Dockerfile does
that, and what its runtime stage holds; the container lane builds and runs them for real.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest
from infra_helpers import REPO_ROOT

from vidpipe_infra import CORE_WORKERS, DETECTION, WorkerSpec

LIB_SH = (REPO_ROOT / "scripts" / "lib.sh").read_text(encoding="utf-8")
DOCKERFILES = sorted(REPO_ROOT.glob("packages/*/Dockerfile"))
SAM2_FOLDER = "sam2-model"
SAM2_DOCKERFILE = REPO_ROOT / "packages" / SAM2_FOLDER / "Dockerfile"
DETECTION_DOCKERFILE = REPO_ROOT / "packages" / DETECTION.name / "Dockerfile"
TORCH_FOLDERS = [DETECTION.name, SAM2_FOLDER]
# The member images: every core worker, the cli (it provisions the compose stack) and the API.
MEMBER_FOLDERS = [*(spec.name for spec in CORE_WORKERS), "cli", "api"]


def _dockerfile(spec: WorkerSpec) -> str:
    return (REPO_ROOT / "packages" / spec.name / "Dockerfile").read_text(encoding="utf-8")


def _instructions(text: str) -> list[tuple[str, str]]:
    """(keyword, arguments) of every instruction, continuation lines joined, comments dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = "\n".join(lines).replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, args = line.strip().partition(" ")
            found.append((keyword.upper(), " ".join(args.split())))
    return found


def _builder(text: str) -> list[tuple[str, str]]:
    instructions = _instructions(text)
    starts = [i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    assert len(starts) == 2, "a builder stage and a runtime stage"
    return instructions[starts[0] : starts[1]]


def _uv_commands(builder: list[tuple[str, str]]) -> list[list[str]]:
    """The arguments after `uv` of every uv command the builder runs (env prefixes dropped)."""
    found = []
    for keyword, args in builder:
        if keyword != "RUN":
            continue
        for part in re.split(r"&&|;|\n", args):
            words = shlex.split(part)
            while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=\S*", words[0]):
                words.pop(0)
            if words[:1] == ["uv"]:
                found.append(words[1:])
    return found


def _uv_version() -> str:
    found = re.search(r"^UV_VERSION=(\S+)$", LIB_SH, re.MULTILINE)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_every_image_uses_the_pinned_uv(dockerfile: Path) -> None:
    text = dockerfile.read_text(encoding="utf-8")
    assert re.findall(r"\buv==(\S+)", text) == [_uv_version()]


@pytest.mark.parametrize("folder", MEMBER_FOLDERS)
def test_member_image_syncs_the_workspace_lock_for_its_package(folder: str) -> None:
    text = (REPO_ROOT / "packages" / folder / "Dockerfile").read_text(encoding="utf-8")
    syncs = [cmd for cmd in _uv_commands(_builder(text)) if cmd[:1] == ["sync"]]
    assert len(syncs) == 1, syncs
    sync = syncs[0]
    # Exactly the lock (no re-resolution), no test extra or dev group, real files not links.
    for flag in ("--frozen", "--no-dev", "--no-editable"):
        assert flag in sync
    assert not any(arg.startswith("--extra") or arg == "--all-packages" for arg in sync)
    assert sync[sync.index("--package") + 1] == f"vidpipe-{folder}"
    assert "UV_PROJECT_ENVIRONMENT=/opt/vidpipe" in text


@pytest.mark.parametrize("folder", TORCH_FOLDERS)
def test_torch_image_installs_the_runtime_requirements_exactly(folder: str) -> None:
    text = (REPO_ROOT / "packages" / folder / "Dockerfile").read_text(encoding="utf-8")
    builder = _builder(text)
    assert ("COPY", f"packages/{folder}/requirements.txt ./") in builder
    installs = [cmd for cmd in _uv_commands(builder) if cmd[:2] == ["pip", "install"]]
    final = installs[-1]
    assert {"--exact", "--strict"} <= set(final)
    assert final[-3:] == ["-r", "/tmp/requirements.txt", "."]
    # torch's build comes from --torch-backend, CPU unless the build argument says otherwise.
    assert ("ARG", "TORCH_BACKEND=cpu") in builder
    for install in installs:
        if "-r" in install and "setuptools" not in install:
            assert install[install.index("--torch-backend") + 1] == "${TORCH_BACKEND}"


def test_the_requirements_files_hold_no_test_tools_and_the_test_files_do() -> None:
    for folder in TORCH_FOLDERS:
        runtime = (REPO_ROOT / "packages" / folder / "requirements.txt").read_text("utf-8")
        test = (REPO_ROOT / "packages" / folder / "requirements-test.txt").read_text("utf-8")
        assert not re.search(r"^(pytest|mypy|ruff|moto)==", runtime, re.MULTILINE), folder
        assert re.search(r"^pytest==", test, re.MULTILINE), folder
        # The test environment runs the image's versions: every runtime pin holds there too.
        pins = set(re.findall(r"^[A-Za-z0-9][^\s]*==\S+", runtime, re.MULTILINE))
        assert pins <= set(re.findall(r"^[A-Za-z0-9][^\s]*==\S+", test, re.MULTILINE)), folder


def test_no_lock_holds_a_cuda_package() -> None:
    # torch's CUDA build brings nvidia-* and cuda-* packages (gigabytes). nvidia-ml-py is the
    # NVML binding ultralytics imports to ask whether a GPU is there: pure Python, no CUDA.
    locks = [REPO_ROOT / "uv.lock"]
    locks += [
        REPO_ROOT / "packages" / f / name
        for f in TORCH_FOLDERS
        for name in ("requirements.txt", "requirements-test.txt")
    ]
    names = set()
    for lock in locks:
        text = lock.read_text(encoding="utf-8")
        names |= set(re.findall(r'^name = "((?:nvidia|cuda)-[^"]+)"', text, re.MULTILINE))
        names |= set(re.findall(r"^((?:nvidia|cuda)-[A-Za-z0-9-]+)==", text, re.MULTILINE))
    assert names <= {"nvidia-ml-py"}


def test_sam2_is_built_against_the_environments_torch() -> None:
    pyproject = tomllib.loads(
        (REPO_ROOT / "packages" / SAM2_FOLDER / "pyproject.toml").read_text(encoding="utf-8")
    )
    uv = pyproject["tool"]["uv"]
    assert uv["no-build-isolation-package"] == ["sam2"]
    assert uv["extra-build-variables"] == {"sam2": {"SAM2_BUILD_CUDA": "0"}}
    # Its build needs torch and setuptools before the install that builds it.
    installs = [
        c
        for c in _uv_commands(_builder(SAM2_DOCKERFILE.read_text("utf-8")))
        if c[:2] == ["pip", "install"]
    ]
    assert "/tmp/torch.txt" in installs[0] and "setuptools" in installs[1]


@pytest.mark.parametrize("spec", CORE_WORKERS, ids=lambda s: s.name)
def test_runtime_is_pinned_slim_non_root_and_runs_the_worker(spec: WorkerSpec) -> None:
    text = _dockerfile(spec)
    assert re.search(r"python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}", text)
    assert "ffmpeg" in text
    assert re.search(r"^USER 10001$", text, re.MULTILINE)
    assert "/health" in text and "HEALTHCHECK" in text
    assert f'CMD ["python", "-m", "{spec.module}"]' in text
    assert "torch" not in text


def test_detection_runtime_is_pinned_slim_non_root_and_offline() -> None:
    text = DETECTION_DOCKERFILE.read_text(encoding="utf-8")
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE)
    assert base is not None
    assert re.fullmatch(r"python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}", base.group(1))
    for spec in CORE_WORKERS:
        assert base.group(1) in _dockerfile(spec), f"{spec.name} uses another base image"
    instructions = _instructions(text)
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    runtime = instructions[last_from + 1 :]
    apt = next(args for kw, args in runtime if kw == "RUN" and "apt-get install" in args)
    packages = re.search(r"apt-get install -y --no-install-recommends ([^&]+)", apt)
    assert packages is not None
    # ffmpeg, and the libraries opencv-python's bundled Qt links (libGL, GLib).
    assert packages.group(1).split() == ["ffmpeg", "libgl1", "libglib2.0-0"]
    assert ("USER", "10001") in runtime
    env = dict(item.split("=", 1) for kw, args in runtime if kw == "ENV" for item in args.split())
    assert env["YOLO_OFFLINE"] == "1"
    assert env["YOLO_CONFIG_DIR"].startswith(env["TMPDIR"] + "/")
    assert env["MPLCONFIGDIR"].startswith(env["TMPDIR"] + "/")
    assert env["TORCH_THREADS"] == "1"
    assert "/health" in text and "HEALTHCHECK" in text
    assert f'CMD ["python", "-m", "{DETECTION.module}"]' in text


# The build context: `COPY . .` takes whatever the root .dockerignore admits; what the install
# reads must be there, and nothing else (tests, scripts, Dockerfiles) should be.


def _ignore_rules(dockerfile: Path) -> list[tuple[bool, re.Pattern[str]]]:
    """(excludes, pattern) per line, in order: the last matching line decides."""
    own = dockerfile.with_name(dockerfile.name + ".dockerignore")
    source = own if own.is_file() else REPO_ROOT / ".dockerignore"
    rules = []
    for raw in source.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        excludes = not line.startswith("!")
        pattern = line.removeprefix("!").strip("/")
        regex = ""
        if pattern.startswith("**/"):
            regex, pattern = "(?:.*/)?", pattern[3:]
        for token in re.split(r"(\*\*|\*|\?)", pattern):
            regex += {"**": ".*", "*": "[^/]*", "?": "[^/]"}.get(token, re.escape(token))
        rules.append((excludes, re.compile(regex)))
    return rules


def _in_context(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for excludes, pattern in rules:
        # A pattern that matches a folder applies to everything in it.
        if any(pattern.fullmatch(candidate) for candidate in candidates):
            excluded = excludes
    return excluded is False


def _needed_files() -> list[str]:
    """What the installs read: the workspace lock, every project's metadata and modules."""
    needed = ["pyproject.toml", "uv.lock", "infra/pyproject.toml"]
    for pyproject in sorted(REPO_ROOT.glob("packages/*/pyproject.toml")):
        folder = pyproject.parent
        needed += [
            str(pyproject.relative_to(REPO_ROOT)),
            f"{folder.relative_to(REPO_ROOT)}/README.md",
        ]
        needed += [str(m.relative_to(REPO_ROOT)) for m in (folder / "src").rglob("*.py")]
        needed += [str(m.relative_to(REPO_ROOT)) for m in (folder / "src").rglob("py.typed")]
    needed += [f"packages/{f}/requirements.txt" for f in TORCH_FOLDERS]
    return needed


def test_every_file_the_install_reads_is_in_the_build_context() -> None:
    rules = _ignore_rules(REPO_ROOT / "Dockerfile")
    assert [path for path in _needed_files() if not _in_context(path, rules)] == []


def test_the_build_context_keeps_everything_else_out() -> None:
    rules = _ignore_rules(REPO_ROOT / "Dockerfile")
    for path in [
        f"packages/{DETECTION.name}/tests/conftest.py",
        f"packages/{DETECTION.name}/requirements-test.txt",
        f"packages/{DETECTION.name}/src/vidpipe_detection/__pycache__/x",
        f"packages/{SAM2_FOLDER}/Dockerfile",
        "packages/cli/project.json",
        "scripts/test.sh",
        "infra/src/vidpipe_infra/app.py",
        ".venvs/cli/bin/python",
        "node_modules/nx/package.json",
    ]:
        assert not _in_context(path, rules), path


def test_sam2_runtime_runs_the_video_worker_with_every_model_and_no_weights() -> None:
    text = SAM2_DOCKERFILE.read_text(encoding="utf-8")
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE)
    assert base is not None
    assert base.group(1) in DETECTION_DOCKERFILE.read_text(encoding="utf-8")
    instructions = _instructions(text)
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    runtime = instructions[last_from + 1 :]
    apt = next(args for kw, args in runtime if kw == "RUN" and "apt-get install" in args)
    packages = re.search(r"apt-get install -y --no-install-recommends ([^&]+)", apt)
    assert packages is not None
    assert packages.group(1).split() == ["ffmpeg"]
    assert ("USER", "10001") in runtime
    env = dict(item.split("=", 1) for kw, args in runtime if kw == "ENV" for item in args.split())
    # Every installed model (ENABLED_MODELS unset); the checkpoint is the operator's.
    assert "ENABLED_MODELS" not in env and "SAM2_CHECKPOINT" not in env
    assert env["TORCH_HOME"].startswith(env["TMPDIR"] + "/")
    # Nothing is downloaded at build time but packages.
    runs = " ".join(args for kw, args in instructions if kw == "RUN")
    assert not re.search(r"curl|wget|https?://|\.pt\b|huggingface", runs)
    assert "SAM2_CHECKPOINT" in text
    readme = (REPO_ROOT / "packages" / SAM2_FOLDER / "README.md").read_text(encoding="utf-8")
    assert "| `SAM2_CHECKPOINT` |" in readme
    assert "/health" in text and "HEALTHCHECK" in text
    assert instructions[-1] == ("CMD", '["python", "-m", "vidpipe_video"]')

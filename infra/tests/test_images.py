"""The worker Dockerfiles install what the test environments install, and run the worker."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from infra_helpers import REPO_ROOT

from vidpipe_infra import CORE_WORKERS, DETECTION, WorkerSpec

LIB_SH = (REPO_ROOT / "scripts" / "lib.sh").read_text(encoding="utf-8")
DOCKERFILES = sorted(REPO_ROOT.glob("packages/*/Dockerfile"))


def _dockerfile(spec: WorkerSpec) -> str:
    return (REPO_ROOT / "packages" / spec.name / "Dockerfile").read_text(encoding="utf-8")


def _internal_deps(folder: str) -> list[str]:
    pyproject = tomllib.loads(
        (REPO_ROOT / "packages" / folder / "pyproject.toml").read_text(encoding="utf-8")
    )
    return [
        dep.removeprefix("vidpipe-")
        for dep in pyproject["project"]["dependencies"]
        if dep.startswith("vidpipe-")
    ]


@pytest.mark.parametrize("spec", CORE_WORKERS, ids=lambda s: s.name)
def test_builder_installs_the_worker_like_the_test_environment(spec: WorkerSpec) -> None:
    text = _dockerfile(spec)
    install = re.search(r"uv pip install (.+?)(?:\n\n|\nFROM)", text, re.DOTALL)
    assert install is not None
    command = " ".join(install.group(1).replace("\\\n", " ").split())
    assert "--strict" in command
    assert "-c constraints.txt" in command
    assert "-e " not in command, "images install the packages, not editable links"
    assert "[test]" not in command
    installed = re.findall(r"packages/([a-z-]+)", command)
    assert installed[-1] == spec.name
    assert set(installed) == {*_internal_deps(spec.name), spec.name}
    uv_version = re.search(r"UV_VERSION=(\S+)", LIB_SH)
    assert uv_version is not None
    assert f"uv=={uv_version.group(1)}" in text


@pytest.mark.parametrize("spec", CORE_WORKERS, ids=lambda s: s.name)
def test_runtime_is_pinned_slim_non_root_and_runs_the_worker(spec: WorkerSpec) -> None:
    text = _dockerfile(spec)
    assert re.search(r"python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}", text)
    assert "ffmpeg" in text
    assert re.search(r"^USER 10001$", text, re.MULTILINE)
    assert "/health" in text and "HEALTHCHECK" in text
    assert f'CMD ["python", "-m", "{spec.module}"]' in text
    assert "torch" not in text


# The detection-worker: torch is installed as scripts/ensure-venv.sh installs it for the test
# environment (torch first, with pip, then the rest with the package's own constraints).

ENSURE_VENV = (REPO_ROOT / "scripts" / "ensure-venv.sh").read_text(encoding="utf-8")
DETECTION_DOCKERFILE = REPO_ROOT / "packages" / DETECTION.name / "Dockerfile"
CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"


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


def _pip_commands(shell: str) -> list[list[str]]:
    """The arguments after `pip` of each `python -m pip ...` command in a shell line."""
    commands = []
    for part in re.split(r"&&|\n", shell):
        words = shlex.split(part.replace("\\\n", " "), comments=True)
        if len(words) >= 3 and words[1:3] == ["-m", "pip"]:
            commands.append(words[3:])
    return commands


def _constraints_file(folder: str) -> str:
    result = subprocess.run(
        [sys.executable, "scripts/packages.py", "constraints", folder],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return result.stdout.strip()


def _pin(constraints: str, name: str) -> str:
    text = (REPO_ROOT / constraints).read_text(encoding="utf-8")
    found = re.search(rf"^{re.escape(name)}==\S+$", text, re.MULTILINE)
    assert found is not None, f"{name} is not pinned in {constraints}"
    return found.group(0)


def test_the_test_environment_installs_torch_first_then_the_constraints() -> None:
    # The reference the torch images follow; when it changes, the Dockerfiles must too.
    branch = re.search(r"if \[\[ -n \$torch_pin \]\]; then\n(.+?)\nelse\n", ENSURE_VENV, re.DOTALL)
    assert branch is not None
    assert _pip_commands(branch.group(1)) == [
        ["install", "-q", "$torch_pin"],
        ["install", "-q", "-c", "$constraints", "${requirements[@]}"],
        ["check"],
    ]
    # Between torch and the rest: the distributions built against that torch (sam2).
    steps = [
        "build" if line.strip() == "build_against_torch" else "pip"
        for line in branch.group(1).splitlines()
        if line.strip() == "build_against_torch" or _pip_commands(line)
    ]
    assert steps == ["pip", "build", "pip", "pip"]


def test_the_test_environment_builds_against_torch_without_isolation() -> None:
    # The reference for the sam2 image's second step (ensure-venv.sh's build_against_torch).
    body = re.search(r"^build_against_torch\(\) \{\n(.+?)\n\}$", ENSURE_VENV, re.DOTALL | re.M)
    assert body is not None
    text = body.group(1).replace("\\\n", " ")
    installs = [line.split() for line in text.splitlines() if " -m pip " in line]
    assert installs == [
        [
            "env",
            "$build_env",
            '"$venv/bin/python"',
            "-m",
            "pip",
            "install",
            "-q",
            "--no-build-isolation",
            "-c",
            '"$constraints"',
            '"$pin"',
        ]
    ]
    assert 'pin=$(grep -iE "^${name}==" "$constraints")' in text


def test_detection_image_installs_like_its_test_environment() -> None:
    text = DETECTION_DOCKERFILE.read_text(encoding="utf-8")
    instructions = _instructions(text)
    starts = [i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    assert len(starts) == 2, "a builder stage and a runtime stage"
    builder = instructions[starts[0] : starts[1]]
    commands = [cmd for kw, args in builder if kw == "RUN" for cmd in _pip_commands(args)]
    assert len(commands) == 3, commands
    torch_step, rest_step, check_step = commands
    constraints = _constraints_file(DETECTION.name)
    # 1. torch (and torchvision, so that its C extension matches torch's build) at the
    # constraints' pins, from the index the TORCH_INDEX build argument names.
    assert torch_step[:4] == ["install", "--no-cache-dir", "--index-url", "${TORCH_INDEX}"]
    assert torch_step[4:] == [_pin(constraints, "torch"), _pin(constraints, "torchvision")]
    assert ("ARG", f"TORCH_INDEX={CPU_TORCH_INDEX}") in builder
    # 2. everything else with the package's own constraints: the packages, not editable links,
    # without the test extra, this worker last.
    assert rest_step[:4] == ["install", "--no-cache-dir", "-c", constraints]
    installed = rest_step[4:]
    assert all(re.fullmatch(r"packages/[a-z-]+", item) for item in installed), installed
    assert installed == [f"packages/{dep}" for dep in _internal_deps(DETECTION.name)] + [
        f"packages/{DETECTION.name}"
    ]
    # 3. and the result is consistent.
    assert check_step == ["check"]
    # The venv has pip, as ensure-venv.sh's (`uv venv --seed`), made by the pinned uv.
    assert re.search(r"uv venv --seed .*/opt/vidpipe", text)
    uv_version = re.search(r"UV_VERSION=(\S+)", LIB_SH)
    assert uv_version is not None
    assert f"uv=={uv_version.group(1)}" in text


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


# The build context: each Dockerfile's COPY sources must survive its ignore file (the
# Dockerfile's own `<name>.dockerignore` where there is one, as BuildKit reads it, else the
# root .dockerignore), or the build fails with a missing file.


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


def _copied_files(dockerfile: Path) -> list[str]:
    """The files each COPY from the context needs: a file itself; for a package folder, its
    pyproject.toml, README.md and every module under src/."""
    needed = []
    for keyword, args in _instructions(dockerfile.read_text(encoding="utf-8")):
        if keyword != "COPY" or args.startswith("--from"):
            continue
        for source in args.split()[:-1]:
            path = REPO_ROOT / source
            if path.is_file():
                needed.append(source)
            else:
                assert (path / "pyproject.toml").is_file(), f"{dockerfile}: COPY {source}"
                needed += [f"{source}/pyproject.toml", f"{source}/README.md"]
                needed += [
                    str(module.relative_to(REPO_ROOT)) for module in (path / "src").rglob("*.py")
                ]
    assert needed
    return needed


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_every_copied_file_is_in_the_build_context(dockerfile: Path) -> None:
    rules = _ignore_rules(dockerfile)
    assert [path for path in _copied_files(dockerfile) if not _in_context(path, rules)] == []


def test_the_build_context_check_does_fail_on_an_ignored_file() -> None:
    # The root rules keep tests and other files out: the check above can fail.
    rules = _ignore_rules(REPO_ROOT / "Dockerfile")
    assert not _in_context(f"packages/{DETECTION.name}/tests/conftest.py", rules)
    assert not _in_context(f"packages/{DETECTION.name}/scripts/lock.sh", rules)
    assert not _in_context(f"packages/{DETECTION.name}/src/vidpipe_detection/__pycache__/x", rules)
    assert not _in_context("packages/video-worker/constraints.txt", rules)
    assert not _in_context(f"packages/{SAM2_FOLDER}/scripts/lock.sh", rules)
    assert not _in_context(f"packages/{SAM2_FOLDER}/Dockerfile", rules)
    assert _in_context(f"packages/{DETECTION.name}/src/vidpipe_detection/__main__.py", rules)
    assert _in_context(f"packages/{DETECTION.name}/constraints.txt", rules)
    assert _in_context(f"packages/{SAM2_FOLDER}/constraints.txt", rules)
    assert _in_context(f"packages/{SAM2_FOLDER}/src/vidpipe_sam2/py.typed", rules)


# The video-worker image with the sam2 plugin (`video-worker-sam2`): ensure-venv.sh's torch path
# with its middle step, the distributions scripts/packages.py declares in BUILT_AGAINST_TORCH.

SAM2_FOLDER = "sam2-model"
SAM2_DOCKERFILE = REPO_ROOT / "packages" / SAM2_FOLDER / "Dockerfile"


def _packages_py(*args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "scripts/packages.py", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return [line for line in result.stdout.splitlines() if line.strip()]


def _pip_invocations(shell: str) -> list[tuple[dict[str, str], list[str]]]:
    """(VAR=VALUE prefix, arguments after `pip`) of each `[VAR=VALUE ...] python -m pip ...`."""
    found = []
    for part in re.split(r"&&|\n", shell):
        words = shlex.split(part, comments=True)
        env: dict[str, str] = {}
        while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=\S*", words[0]):
            name, _, value = words.pop(0).partition("=")
            env[name] = value
        if len(words) >= 3 and words[1:3] == ["-m", "pip"]:
            found.append((env, words[3:]))
    return found


def _sam2_install_problems(text: str) -> list[str]:
    """How the builder stage of `text` differs from ensure-venv.sh's steps for sam2-model."""
    instructions = _instructions(text)
    starts = [i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    if len(starts) != 2:
        return [f"{len(starts)} stages, not a builder and a runtime"]
    builder = instructions[starts[0] : starts[1]]
    constraints = _constraints_file(SAM2_FOLDER)
    # 1. torch (and torchvision, whose C extension must match torch's build) at the
    # constraints' pins, from the index the TORCH_INDEX build argument names.
    expected = [
        (
            {},
            ["install", "--no-cache-dir", "--index-url", "${TORCH_INDEX}"]
            + [_pin(constraints, "torch"), _pin(constraints, "torchvision")],
        )
    ]
    # 2. each source-only distribution, built against that torch with its build environment.
    for line in _packages_py("built-against-torch", SAM2_FOLDER):
        name, *assignments = line.split()
        build_env = dict(item.split("=", 1) for item in assignments)
        step = ["install", "--no-cache-dir", "--no-build-isolation", "-c", constraints]
        expected.append((build_env, [*step, _pin(constraints, name)]))
    # 3. the packages (transitive internal dependencies in install order, the plugin last),
    # not editable links, without the test extra; 4. and the result is consistent.
    folders = [*_packages_py("deps", SAM2_FOLDER), SAM2_FOLDER]
    expected.append(
        ({}, ["install", "--no-cache-dir", "-c", constraints, *(f"packages/{f}" for f in folders)])
    )
    expected.append(({}, ["check"]))
    steps = [step for kw, args in builder if kw == "RUN" for step in _pip_invocations(args)]
    problems = [] if steps == expected else [f"pip steps {steps}, expected {expected}"]
    if ("ARG", f"TORCH_INDEX={CPU_TORCH_INDEX}") not in builder:
        problems.append(f"TORCH_INDEX does not default to {CPU_TORCH_INDEX}")
    if not re.search(r"uv venv --seed .*/opt/vidpipe", text):
        problems.append("the venv is not made with `uv venv --seed` (pip, setuptools, wheel)")
    return problems


def test_sam2_image_installs_like_its_test_environment() -> None:
    assert _packages_py("built-against-torch", SAM2_FOLDER) == ["sam2 SAM2_BUILD_CUDA=0"]
    text = SAM2_DOCKERFILE.read_text(encoding="utf-8")
    assert _sam2_install_problems(text) == []
    uv_version = re.search(r"UV_VERSION=(\S+)", LIB_SH)
    assert uv_version is not None
    assert f"uv=={uv_version.group(1)}" in text


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("--no-build-isolation ", ""),
        ("SAM2_BUILD_CUDA=0 /opt", "/opt"),
        ('--index-url "${TORCH_INDEX}"', ""),
        ("packages/ffmpeg-tools packages/aws-adapters", "packages/ffmpeg-tools"),
        ("&& /opt/vidpipe/bin/python -m pip check", ""),
        ("--seed ", ""),
    ],
    ids=["isolated", "cuda-extension", "torch-index", "aws-adapters", "pip-check", "seed"],
)
def test_the_sam2_install_check_does_fail_on_a_drift(old: str, new: str) -> None:
    text = SAM2_DOCKERFILE.read_text(encoding="utf-8")
    assert old in text
    assert _sam2_install_problems(text.replace(old, new, 1)) != []


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

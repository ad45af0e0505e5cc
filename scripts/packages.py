#!/usr/bin/env python3
"""The one map of vidpipe's packages and their internal dependencies.

Every script that needs to know which packages exist, or which internal packages a package
installs beside itself, asks this file; the nx project.json files are generated from it too
(`python3 scripts/packages.py write-projects`), and `check` fails when they drift.

Standard library only: it runs before any virtual environment exists.

Usage:
    packages.py list                 folders in dependency order (only those with a pyproject.toml)
    packages.py all                  every folder in the map, present or not
    packages.py deps FOLDER          FOLDER's internal dependencies (transitive), in install order
    packages.py root FOLDER          where FOLDER lives, relative to the repository root
    packages.py stamp FOLDER         hash of everything that decides what FOLDER's venv holds
    packages.py constraints FOLDER   the constraints file FOLDER's venv is built with
    packages.py built-against-torch FOLDER
                                     `NAME [VAR=VALUE ...]` per distribution to build against
                                     the installed torch (see BUILT_AGAINST_TORCH)
    packages.py external-deps        every external requirement any package declares (lock.sh)
    packages.py write-projects       (re)write every project.json from this map
    packages.py check                exit 1 when a project.json differs from what this map gives,
                                     or a pyproject.toml declares other internal dependencies
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# folder -> internal folders it depends on (directly). Order matters only for readability;
# `deps` always returns dependencies before dependents.
PACKAGES: dict[str, list[str]] = {
    "shared-types": [],
    "aws-adapters": ["shared-types"],
    "ffmpeg-tools": [],
    # The CPU torchvision::nms fallback that both torch packages below import.
    "torch-compat": [],
    "chunking-worker": ["shared-types", "aws-adapters", "ffmpeg-tools"],
    "video-worker": ["shared-types", "aws-adapters", "ffmpeg-tools"],
    "media-worker": ["shared-types", "aws-adapters", "ffmpeg-tools"],
    "detection-worker": ["shared-types", "aws-adapters", "ffmpeg-tools", "torch-compat"],
    # The `sam2` mode: a video-worker plugin, so that the video-worker itself stays free of torch.
    "sam2-model": ["shared-types", "ffmpeg-tools", "torch-compat", "video-worker"],
    "cli": [
        "shared-types",
        "aws-adapters",
        "ffmpeg-tools",
        "chunking-worker",
        "video-worker",
        "media-worker",
    ],
    # The deployable AWS stack (CDK): it reads the resource topology and the settings' env names.
    "infra": ["shared-types", "aws-adapters"],
}

# Folders that do not live under packages/.
ROOTS: dict[str, str] = {"infra": "infra"}

# Packages pinned by their own `<root>/constraints.txt` instead of the shared one: their
# dependencies cannot share one resolution with the rest (detection-worker: mediapipe 0.10.21
# needs numpy<2 and protobuf<5; sam2-model: sam2's hydra-core needs antlr4 4.9, cfn-lint 4.13).
# lock.sh leaves them out; each has its own lock script.
OWN_CONSTRAINTS: frozenset[str] = frozenset({"detection-worker", "sam2-model", "torch-compat"})

# Packages in OWN_CONSTRAINTS that borrow another package's constraints file instead of keeping
# one of their own. torch-compat needs a torch pin (ensure-venv.sh installs torch first, from
# that file) and holds nothing the detection-worker's file does not already pin.
CONSTRAINTS_OF: dict[str, str] = {"torch-compat": "detection-worker"}

# Source-only distributions that a package's venv builds against the torch it just installed
# (pip --no-build-isolation, right after torch), each with the environment its build needs:
# an isolated build would fetch another torch, with its CUDA packages. Versions come from the
# package's constraints file.
BUILT_AGAINST_TORCH: dict[str, list[tuple[str, dict[str, str]]]] = {
    # SAM2_BUILD_CUDA=0: no optional CUDA extension (it only fills holes in masks).
    "sam2-model": [("sam2", {"SAM2_BUILD_CUDA": "0"})],
}

# Bump when the way a venv is built changes, so that every venv is refreshed once.
VENV_RECIPE_VERSION = "1"

# Internal distributions are named vidpipe-*; they never go into constraints.txt.
INTERNAL_PREFIX = "vidpipe-"


def root(folder: str) -> str:
    """Where `folder`'s project lives, relative to the repository root."""
    if folder not in PACKAGES:
        raise SystemExit(f"unknown package folder: {folder!r} (known: {', '.join(PACKAGES)})")
    return ROOTS.get(folder, f"packages/{folder}")


def deps(folder: str) -> list[str]:
    """Internal dependencies of `folder`, transitively, each listed after its own dependencies."""
    if folder not in PACKAGES:
        raise SystemExit(f"unknown package folder: {folder!r} (known: {', '.join(PACKAGES)})")
    ordered: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise SystemExit(f"dependency cycle: {' -> '.join((*path, name))}")
        for dep in PACKAGES[name]:
            visit(dep, (*path, name))
            if dep not in ordered:
                ordered.append(dep)

    visit(folder, ())
    return ordered


def present() -> list[str]:
    """Folders that already hold a pyproject.toml, dependencies first."""
    result: list[str] = []
    for folder in PACKAGES:
        for name in [*deps(folder), folder]:
            if name not in result and (ROOT / root(name) / "pyproject.toml").is_file():
                result.append(name)
    return result


def constraints(folder: str) -> str:
    """The constraints file `folder`'s venv is built with, relative to the repository root."""
    if folder not in OWN_CONSTRAINTS:
        return "constraints.txt"
    return f"{root(CONSTRAINTS_OF.get(folder, folder))}/constraints.txt"


def stamp(folder: str) -> str:
    """What a venv was built from: the pyproject files it installs, constraints and the recipe."""
    digest = hashlib.sha256(f"recipe {VENV_RECIPE_VERSION}\n".encode())
    inputs = [f"{root(name)}/pyproject.toml" for name in [*deps(folder), folder]]
    inputs.append(constraints(folder))
    for rel in inputs:
        path = ROOT / rel
        digest.update(f"{rel}\n".encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    if folder in BUILT_AGAINST_TORCH:
        digest.update(f"built against torch {BUILT_AGAINST_TORCH[folder]!r}\n".encode())
    return digest.hexdigest()


def built_against_torch(folder: str) -> list[str]:
    """`NAME VAR=VALUE ...` for each distribution `folder` builds against its torch."""
    root(folder)  # unknown folders fail here
    return [
        " ".join([name, *(f"{var}={value}" for var, value in env.items())])
        for name, env in BUILT_AGAINST_TORCH.get(folder, [])
    ]


def external_deps() -> list[str]:
    """Every external requirement (dependencies and every extra) declared by any package that
    shares constraints.txt (those in OWN_CONSTRAINTS are pinned by their own file)."""
    found: set[str] = set()
    for folder in PACKAGES:
        if folder in OWN_CONSTRAINTS:
            continue
        project = _pyproject(folder) or {}
        requirements = list(project.get("dependencies", []))
        for extra in project.get("optional-dependencies", {}).values():
            requirements.extend(extra)
        for req in requirements:
            if not _requirement_name(req).startswith(INTERNAL_PREFIX):
                found.add(req.strip())
    return sorted(found, key=str.lower)


def project_json(folder: str) -> dict[str, object]:
    """The nx project for one package: run-commands targets, run from the workspace root."""
    project_root = root(folder)
    venv = f".venvs/{folder}/bin"
    depth = "../" * (project_root.count("/") + 1)

    def run(command: str) -> dict[str, object]:
        return {
            "executor": "nx:run-commands",
            "options": {"command": command, "cwd": "{workspaceRoot}"},
        }

    targets: dict[str, dict[str, object]] = {
        "install": run(f"bash scripts/ensure-venv.sh {folder}"),
        "lint": run(
            f"{venv}/ruff check {project_root} && {venv}/ruff format --check {project_root}"
        ),
        "typecheck": run(
            f"{venv}/mypy --config-file pyproject.toml"
            f" --cache-dir .mypy_cache/{folder} {project_root}/src"
        ),
        "test": run(
            f"{venv}/pytest {project_root}/tests -c pyproject.toml --rootdir ."
            f" --junitxml=reports/junit/{folder}.xml"
            f" -o junit_suite_name={folder}"
        ),
    }
    if folder == "infra":
        targets.update(_infra_targets(run))
    return {
        "$schema": f"{depth}node_modules/nx/schemas/project-schema.json",
        "name": folder,
        "projectType": "application" if folder == "infra" else "library",
        "sourceRoot": f"{project_root}/src",
        "tags": ["lang:python"],
        "implicitDependencies": list(PACKAGES[folder]),
        "targets": targets,
    }


# The CDK CLI (pinned in package.json) runs the app with the infra venv's Python.
_CDK = 'npx --no-install cdk --app ".venvs/infra/bin/python -m vidpipe_infra.app" --output cdk.out'


def _infra_targets(
    run: Callable[[str], dict[str, object]],
) -> dict[str, dict[str, object]]:
    """infra's own targets: the CDK CLI, checkov, and test inputs outside its folder."""
    test = run(
        ".venvs/infra/bin/pytest infra/tests -c pyproject.toml --rootdir ."
        " --junitxml=reports/junit/infra.xml -o junit_suite_name=infra"
    )
    # The tests also lint every Dockerfile and check the compose file and the workflows.
    test["inputs"] = [
        "default",
        "^production",
        "venvRecipe",
        "{workspaceRoot}/packages/*/Dockerfile",
        # Images install from these; the tests compare their steps with the test environments'.
        "{workspaceRoot}/packages/*/constraints.txt",
        "{workspaceRoot}/packages/*/README.md",
        "{workspaceRoot}/scripts/ensure-venv.sh",
        "{workspaceRoot}/scripts/packages.py",
        "{workspaceRoot}/.dockerignore",
        "{workspaceRoot}/docker-compose.localstack.yml",
        "{workspaceRoot}/.github/workflows/*.yml",
        {"runtime": "node --version"},
        {"runtime": "python3 --version"},
    ]
    synth = run(f"{_CDK} synth --quiet")
    synth["dependsOn"] = ["install"]
    deploy = run(f"{_CDK} deploy --require-approval broadening")
    deploy["dependsOn"] = ["install"]
    checkov = run("bash infra/scripts/checkov.sh")
    checkov["dependsOn"] = ["synth"]
    return {"test": test, "synth": synth, "deploy": deploy, "checkov": checkov}


def render(folder: str) -> str:
    return json.dumps(project_json(folder), indent=2) + "\n"


def write_projects() -> None:
    for folder in PACKAGES:
        path = ROOT / root(folder) / "project.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = render(folder)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")


def _pyproject(folder: str) -> dict[str, Any] | None:
    path = ROOT / root(folder) / "pyproject.toml"
    if not path.is_file():
        return None
    project: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8")).get("project", {})
    return project


def _requirement_name(requirement: str) -> str:
    name = re.split(r"[\s\[<>=!~;@]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def check() -> int:
    """Problems between this map, the project.json files and the packages' pyproject.toml files."""
    problems: list[str] = []
    for folder in PACKAGES:
        path = ROOT / root(folder) / "project.json"
        if not path.is_file() or path.read_text(encoding="utf-8") != render(folder):
            problems.append(
                f"{root(folder)}/project.json differs from scripts/packages.py"
                " (run: python3 scripts/packages.py write-projects)"
            )
    folder_of = {
        _requirement_name(project.get("name", "")): folder
        for folder in PACKAGES
        if (project := _pyproject(folder)) is not None
    }
    for folder in PACKAGES:
        project = _pyproject(folder)
        if project is None:
            continue
        declared = {
            _requirement_name(req)
            for req in project.get("dependencies", [])
            if _requirement_name(req).startswith(INTERNAL_PREFIX)
        }
        unknown = sorted(name for name in declared if name not in folder_of)
        mapped = {folder_of[name] for name in declared if name in folder_of}
        if unknown:
            problems.append(f"{root(folder)}: unknown internal dependencies {unknown}")
        if mapped != set(PACKAGES[folder]) and not unknown:
            problems.append(
                f"{root(folder)}/pyproject.toml declares {sorted(mapped)},"
                f" scripts/packages.py says {sorted(PACKAGES[folder])}"
            )
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    match argv:
        case ["list"]:
            print("\n".join(present()))
        case ["all"]:
            print("\n".join(PACKAGES))
        case ["deps", folder]:
            print("\n".join(deps(folder)))
        case ["root", folder]:
            print(root(folder))
        case ["stamp", folder]:
            print(stamp(folder))
        case ["constraints", folder]:
            root(folder)  # unknown folders fail here
            print(constraints(folder))
        case ["built-against-torch", folder]:
            print("\n".join(built_against_torch(folder)))
        case ["external-deps"]:
            print("\n".join(external_deps()))
        case ["write-projects"]:
            write_projects()
        case ["check"]:
            return check()
        case _:
            print(__doc__, file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

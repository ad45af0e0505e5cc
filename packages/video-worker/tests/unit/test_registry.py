"""The model registry: lookup with helpful errors, ENABLED_MODELS selection, one load each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pytest

from vidpipe_ffmpeg import DEFAULT_LIMITS, ResourceLimits
from vidpipe_types import Mode
from vidpipe_video import (
    KNOWN_PLUGINS,
    PLUGIN_GROUP,
    DuplicateModelError,
    GrayscaleModel,
    ModelRegistry,
    PassthroughModel,
    SegmentContext,
    SegmentModel,
    UnknownModelError,
    builtin_registry,
    plugin_models,
)
from vidpipe_video.models import catalogue


class LoadCounting(SegmentModel):
    name: ClassVar[str] = "counting"

    def __init__(self, *, fail: bool = False) -> None:
        self.loads = 0
        self.fail = fail

    def load(self) -> None:
        self.loads += 1
        if self.fail:
            raise RuntimeError("checkpoint not found")

    def process(self, src: Path, dst: Path, context: SegmentContext) -> None:
        raise AssertionError("not used")


def test_every_mode_has_a_builtin_or_a_known_plugin_model() -> None:
    builtins = {PassthroughModel.name, GrayscaleModel.name}

    assert builtins.isdisjoint(KNOWN_PLUGINS)
    assert builtins | set(KNOWN_PLUGINS) == {mode.value for mode in Mode}


class FakeEntryPoint:
    """An installed plugin as `importlib.metadata` lists it."""

    def __init__(self, name: str, factory: Callable[[ResourceLimits], object]) -> None:
        self.name = name
        self.value = f"fake_plugin:{name}"
        self._factory = factory

    def load(self) -> Callable[[ResourceLimits], object]:
        return self._factory


class PluginModel(SegmentModel):
    name: ClassVar[str] = "sam2"

    def __init__(self, limits: ResourceLimits) -> None:
        self.limits = limits

    def process(self, src: Path, dst: Path, context: SegmentContext) -> None:
        raise AssertionError("not used")


def test_plugins_join_the_builtin_models() -> None:
    registry = builtin_registry(DEFAULT_LIMITS, [FakeEntryPoint("sam2", PluginModel)])

    assert registry.names == ("grayscale", "passthrough", "sam2")
    model = registry.get(Mode.SAM2)
    assert isinstance(model, PluginModel)
    assert model.limits is DEFAULT_LIMITS


def test_a_broken_plugin_is_logged_and_left_out(caplog: pytest.LogCaptureFixture) -> None:
    def broken(limits: ResourceLimits) -> object:
        raise ImportError("No module named 'torch'")

    plugins = [FakeEntryPoint("sam2", broken), FakeEntryPoint("odd", lambda limits: object())]

    registry = builtin_registry(DEFAULT_LIMITS, plugins)

    assert registry.names == ("grayscale", "passthrough")
    assert "segment model plugin sam2 (fake_plugin:sam2) failed" in caplog.text
    assert "No module named 'torch'" in caplog.text
    assert "plugin odd built" in caplog.text
    with pytest.raises(UnknownModelError, match="available models are grayscale, passthrough"):
        registry.select(["sam2"])


def test_installed_plugins_are_read_from_the_entry_point_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []

    def entry_points(*, group: str) -> list[FakeEntryPoint]:
        seen.append(group)
        return [FakeEntryPoint("sam2", PluginModel)]

    monkeypatch.setattr(catalogue, "entry_points", entry_points)

    assert [model.name for model in plugin_models(DEFAULT_LIMITS)] == ["sam2"]
    assert seen == [PLUGIN_GROUP] == ["vidpipe.segment_models"]


def test_an_unknown_model_error_names_the_available_models() -> None:
    registry = builtin_registry(DEFAULT_LIMITS)

    with pytest.raises(UnknownModelError) as caught:
        registry.get("sam2")

    assert str(caught.value) == (
        "no segment model named 'sam2': available models are grayscale, passthrough"
    )
    assert caught.value.available == ("grayscale", "passthrough")


def test_get_accepts_a_mode_member() -> None:
    registry = builtin_registry(DEFAULT_LIMITS)

    assert registry.get(Mode.GRAYSCALE).name == "grayscale"
    assert Mode.PASSTHROUGH in registry


def test_select_keeps_only_the_enabled_models() -> None:
    registry = builtin_registry(DEFAULT_LIMITS)

    assert registry.select(None).names == ("grayscale", "passthrough")
    assert registry.select(["grayscale", "grayscale"]).names == ("grayscale",)
    with pytest.raises(UnknownModelError, match="available models are grayscale, passthrough"):
        registry.select(["grayscale", "sepia"])


def test_a_name_is_registered_once() -> None:
    registry = ModelRegistry([PassthroughModel()])

    with pytest.raises(DuplicateModelError, match="passthrough"):
        registry.register(PassthroughModel())


def test_a_model_without_a_name_is_refused() -> None:
    class Nameless(SegmentModel):
        def process(self, src: Path, dst: Path, context: SegmentContext) -> None:
            raise AssertionError("not used")

    with pytest.raises(ValueError, match="Nameless has no `name`"):
        ModelRegistry([Nameless()])


def test_models_load_once_and_then_the_registry_is_ready() -> None:
    model = LoadCounting()
    registry = ModelRegistry([model])
    assert not registry.ready

    registry.load_all()
    registry.load_all()

    assert model.loads == 1
    assert registry.ready


def test_a_model_that_fails_to_load_leaves_the_registry_not_ready() -> None:
    registry = ModelRegistry([PassthroughModel(), LoadCounting(fail=True)])

    with pytest.raises(RuntimeError, match="checkpoint not found"):
        registry.load_all()

    assert not registry.ready


def test_an_empty_registry_is_never_ready() -> None:
    registry = ModelRegistry()
    registry.load_all()

    assert not registry.ready

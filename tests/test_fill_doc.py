import importlib
import inspect
import pkgutil

import pytest

import custvalue
from custvalue._core.docs import LOG_PARAMS
from custvalue._core.docs import fill_doc


def test_slot_is_replaced_with_the_entry_indented_like_the_slot() -> None:
    @fill_doc({"x": "x : int\n    The x.\n"})
    def f() -> None:
        """Do.

        Parameters
        ----------
        %(x)s
        """

    assert f.__doc__ is not None
    assert "        x : int\n            The x.\n" in f.__doc__
    assert "%(" not in f.__doc__


def test_on_a_class_the_methods_of_its_body_are_filled() -> None:
    @fill_doc({"x": "x : int\n    The x.\n"})
    class C:
        """Class.

        %(x)s
        """

        def f(self) -> None:
            """Do.

            %(x)s
            """

        @classmethod
        def g(cls) -> None:
            """Make.

            %(x)s
            """

    for obj in (C, C.f, C.g):
        assert obj.__doc__ is not None
        assert "x : int" in obj.__doc__
        assert "%(" not in obj.__doc__


def test_unknown_slot_is_an_error() -> None:
    with pytest.raises(KeyError):

        @fill_doc(LOG_PARAMS)
        def f() -> None:
            """%(no_such_entry)s"""


def _public_objects() -> list[tuple[str, object]]:
    out = []
    for info in pkgutil.iter_modules(custvalue.__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"custvalue.{info.name}")
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            out.append((f"{info.name}.{name}", obj))
            if inspect.isclass(obj):
                out += [(f"{info.name}.{name}.{m}", v) for m, v in vars(obj).items()]
    return out


def test_no_public_docstring_keeps_an_unfilled_slot() -> None:
    unfilled = [name for name, obj in _public_objects() if "%(" in (inspect.getdoc(obj) or "")]
    assert not unfilled

import inspect

import pytest

from custvalue._core.signatures import same_options
from custvalue.errors import InputTypeError


def original(data: list[int], scale: int, *, offset: int = 0, name: str = "x") -> list[int]:
    return [v * scale + offset for v in data]


@same_options(original, tuple)
def mirror(data: tuple[int, ...], **options: object) -> dict[str, object]:
    return {"data": data, **options}


def test_signature_is_the_originals_after_the_first_parameter() -> None:
    sig = inspect.signature(mirror)
    assert list(sig.parameters) == ["data", "scale", "offset", "name"]
    assert sig.parameters["offset"].default == 0
    assert sig.parameters["scale"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD


def test_only_the_given_options_are_passed_by_keyword() -> None:
    assert mirror((1, 2), 3, name="y") == {"data": (1, 2), "scale": 3, "name": "y"}


@pytest.mark.parametrize(
    ("args", "kwargs", "word"),
    [
        (((1,),), {"bogus": 1, "scale": 1}, "bogus"),
        (((1,),), {}, "scale"),
        (((1,), 1, 2), {}, "positional"),
    ],
)
def test_bad_arguments_are_input_type_errors(args: tuple, kwargs: dict, word: str) -> None:
    with pytest.raises(InputTypeError, match=word):
        mirror(*args, **kwargs)

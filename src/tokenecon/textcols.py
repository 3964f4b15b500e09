"""Numbers to text a whole column at a time (numpy speed), byte for byte as Python prints them.

The digits of every value are computed arithmetically into one byte matrix; the characters a
value does not use become NUL bytes, deleted in one pass, and one decode and split gives the strings. Used for the money
columns of the tables (`money_text`) and integer CSV columns (`int_text`). Floats (`float_text`)
are Python's shortest round-trip repr, written in bulk by orjson where its text is the same.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["int_text", "money_text", "float_text"]

_FRACTION = 15  # money units are 1e-15 of the currency
_SAFE = 2**62  # beyond this (or for object arrays of exact integers) values go one by one


def _is_small_int(values: np.ndarray) -> bool:
    if values.dtype.kind not in "iu":
        return False
    if not len(values):
        return True
    return int(values.max()) < _SAFE and int(values.min()) > -_SAFE


def _digit_rows(number: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """ASCII digits of non-negative int64s as `width` rows (right-aligned), and each one's digit count."""
    rows = np.empty((width, len(number)), dtype=np.uint8)
    rest = number.copy()
    for k in range(width - 1, -1, -1):
        rest, digit = np.divmod(rest, 10)
        rows[k] = digit
    rows += 48
    count = np.ones(len(number), dtype=np.int64)
    for k in range(1, width):
        count += number >= 10**k
    return rows, count


def _assemble(parts: list[tuple[np.ndarray, np.ndarray]]) -> list[str]:
    """Blocks of byte rows (one column per value) with keep-masks -> one string per value."""
    n = parts[0][0].shape[1]
    block = np.concatenate([p[0] for p in parts] + [np.full((1, n), 10, dtype=np.uint8)])
    keep = np.concatenate([p[1] for p in parts] + [np.ones((1, n), dtype=bool)])
    block *= keep  # dropped characters become NUL bytes, deleted in one pass below
    text = np.ascontiguousarray(block.T).tobytes().translate(None, b"\0")
    return text.decode("ascii").split("\n")[:-1]


def _sign(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.full((1, len(values)), ord("-"), dtype=np.uint8), (values < 0)[None, :]


def _leading(width: int, count: np.ndarray) -> np.ndarray:
    """Keep-mask of right-aligned digits: the last `count` of `width` rows."""
    return np.arange(width)[:, None] >= (width - count)[None, :]


def int_text(values: np.ndarray) -> list[str]:
    """`str(int(v))` for every element."""
    values = np.asarray(values)
    if not _is_small_int(values):
        return [str(v) for v in values.tolist()]
    if not len(values):
        return []
    magnitude = np.abs(values.astype(np.int64))
    width = len(str(int(magnitude.max())))
    digits, count = _digit_rows(magnitude, width)
    return _assemble([_sign(values), (digits, _leading(width, count))])


def money_text(values: np.ndarray, fallback) -> list[str]:
    """Exact plain decimals of money-unit integers (1e-15), as `units.format_money` writes them.

    `fallback` formats one value; it takes exact Python integers beyond int64.
    """
    values = np.asarray(values)
    if not _is_small_int(values):
        return [fallback(v) for v in values.tolist()]
    if not len(values):
        return []
    whole, fraction = np.divmod(np.abs(values.astype(np.int64)), 10**_FRACTION)
    width = len(str(int(whole.max())))
    digits, count = _digit_rows(whole, width)
    places = _FRACTION - _trailing_zeros(fraction)  # fraction digits any value needs (money of 6 places: 6)
    fraction_digits, _ = _digit_rows(fraction // 10 ** (_FRACTION - places), places)
    significant = np.zeros(len(values), dtype=np.int64)  # fraction digits up to the last non-zero one
    for k in range(places):
        significant = np.where(fraction_digits[k] != 48, k + 1, significant)
    point = np.full((1, len(values)), ord("."), dtype=np.uint8)
    return _assemble([
        _sign(values),
        (digits, _leading(width, count)),
        (point, (fraction != 0)[None, :]),
        (fraction_digits, np.arange(places)[:, None] < significant[None, :]),
    ])


def _trailing_zeros(fraction: np.ndarray) -> int:
    """Decimal zeros that end every one of these fraction digit strings (15 places; all of them if all are 0)."""
    divisor = int(np.gcd.reduce(fraction)) if len(fraction) else 0
    if divisor == 0:
        return _FRACTION
    zeros = 0
    while zeros < _FRACTION and divisor % 10 ** (zeros + 1) == 0:
        zeros += 1
    return zeros


# orjson writes a float's shortest round-trip digits as repr does, in positional notation over a
# wider range: from 1e-4 to 1e16 (and zero) the two texts are the same; outside it (and for NaN
# and infinities) repr formats the value.
_PLAIN_LOW, _PLAIN_HIGH = 1e-4, 1e16
_PROBE = np.asarray([0.0, -0.0, 1e-4, 0.00012345678901234567, 0.1, 0.30000000000000004, 1.0, -2.5, 100.0,
                     123456.789, 86399.99999999999, 2.0**53, 2.0**53 + 2, 1e15, 9999999999999998.0,
                     0.6504438307149486, 1 / 3, -7.0e-4], dtype=np.float64)


def _bulk_repr():
    """orjson's float writer, if installed and its text is repr's on the probe values; else None."""
    try:
        import orjson
    except ImportError:  # pragma: no cover (a dependency; repr is the fallback)
        return None
    option = orjson.OPT_SERIALIZE_NUMPY

    def write(values: np.ndarray) -> list[str]:
        if not len(values):
            return []
        return orjson.dumps(np.ascontiguousarray(values, dtype=np.float64), option=option)[1:-1].decode("ascii").split(",")

    try:
        same = write(_PROBE) == list(map(float.__repr__, _PROBE.tolist()))
    except Exception:  # pragma: no cover (an orjson that cannot write numpy floats)
        return None
    return write if same else None


@lru_cache(maxsize=1)
def _bulk():  # imported and checked on first use
    return _bulk_repr()


def float_text(values: np.ndarray) -> list[str]:
    """`repr(float(v))` for every float64, and "" for NaN (as pandas writes a CSV)."""
    values = np.asarray(values, dtype=np.float64)
    magnitude = np.abs(values)
    plain = ((magnitude >= _PLAIN_LOW) & (magnitude < _PLAIN_HIGH)) | (values == 0)
    bulk = _bulk()
    if bulk is None or not plain.any():
        text = list(map(float.__repr__, values.tolist()))
    elif plain.all():
        text = bulk(values)
    else:
        cells = np.empty(len(values), dtype=object)
        cells[plain] = bulk(values[plain])
        cells[~plain] = list(map(float.__repr__, values[~plain].tolist()))
        text = cells.tolist()
    for k in np.flatnonzero(np.isnan(values)).tolist():
        text[k] = ""
    return text

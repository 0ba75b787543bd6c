"""JSON codec: orjson when it is installed (the ``fast`` extra), else the standard library."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["HAVE_ORJSON", "dumps", "loads"]

loads: Callable[[bytes | str], Any]
dumps: Callable[[Any], bytes]

try:
    import orjson
except ImportError:  # pragma: no cover - exercised only without the extra
    HAVE_ORJSON = False

    def _std_dumps(obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()

    loads = json.loads
    dumps = _std_dumps
else:
    HAVE_ORJSON = True
    loads = orjson.loads
    dumps = orjson.dumps

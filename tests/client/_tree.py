"""The resource tree of a client, walked: every ``client.x.y`` resource by its dotted path."""

from __future__ import annotations

_RESOURCE_MODULES = ("bland_async._resources", "bland_async._sync.")


def resource_tree(obj: object, path: str = "client") -> dict[str, object]:
    """Every resource reachable from ``obj`` (a client of either kind), by dotted path."""
    found: dict[str, object] = {}
    names = set(getattr(obj, "__dict__", {}))
    for klass in type(obj).__mro__:
        names.update(klass.__dict__.get("__slots__", ()))
    for name in sorted(n for n in names if not n.startswith("_")):
        value = getattr(obj, name, None)
        if type(value).__module__.startswith(_RESOURCE_MODULES):
            found[f"{path}.{name}"] = value
            found.update(resource_tree(value, f"{path}.{name}"))
    return found

"""The hub's HTML templates: one Jinja environment per package that holds a `templates/`
folder, with autoescaping (names and details come from members and authorities) and
undefined names refused, so a typo in a template fails loudly instead of printing nothing."""

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

__all__ = ["templates"]


@cache
def templates(package: str) -> Environment:
    """The environment for `package`'s templates (e.g. "hub.lists")."""
    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

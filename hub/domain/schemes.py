"""The one table of identifier schemes: what the hub knows about each beyond the wire format.

The SDK defines the schemes, their spelling and which are personal; the hub adds, here, the
Chinese name printed on documents and whether an import file has a column for the scheme (the
column is the scheme's value lowercased). A new `IdentifierScheme` in the SDK is added here,
and the documents and the import rules follow. Kept apart from `hub.domain.categories`: a
scheme and a category change for different reasons and are read by different modules.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from alliance_connector.identifiers import IdentifierScheme

__all__ = ["IMPORT_COLUMNS", "SCHEMES", "Scheme", "column_of"]


@dataclass(frozen=True)
class Scheme:
    """What the hub knows about one identifier scheme."""

    name: str  # its Chinese name, as printed on documents
    # Import files carry it in a column of its own; the import format has none for waybills.
    import_column: bool


# In the order of the import file's identifier columns.
SCHEMES: Mapping[IdentifierScheme, Scheme] = MappingProxyType(
    {
        IdentifierScheme.USCC: Scheme("统一社会信用代码", import_column=True),
        IdentifierScheme.RESIDENT_ID: Scheme("身份证号", import_column=True),
        IdentifierScheme.MOBILE: Scheme("手机号码", import_column=True),
        IdentifierScheme.STORE: Scheme("店铺", import_column=True),
        IdentifierScheme.ACCOUNT: Scheme("账号", import_column=True),
        IdentifierScheme.WAYBILL: Scheme("运单号", import_column=False),
    }
)


def column_of(scheme: IdentifierScheme) -> str:
    """The import file's column for `scheme`: its wire spelling lowercased ("resident_id")."""
    return scheme.value.lower()


# (column, scheme) of every scheme an import file may carry, in column order.
IMPORT_COLUMNS: tuple[tuple[str, IdentifierScheme], ...] = tuple(
    (column_of(scheme), scheme) for scheme, facts in SCHEMES.items() if facts.import_column
)

"""EPC decoding: SGTIN-96 tags to GTIN-14 and serial through epcpy; other EPCs pass through."""

from __future__ import annotations

from dataclasses import dataclass

from epcpy.epc_schemes.sgtin import SGTIN
from epcpy.utils.common import ConvertException
from epcpy.utils.parsers import hex_to_tag_encodable

SGTIN_96_HEADER = "30"
"""First byte of every SGTIN-96 EPC (GS1 EPC Tag Data Standard, table 14-1)."""


@dataclass(frozen=True, slots=True)
class DecodedEpc:
    """What a tag's EPC says: the item's GTIN and serial when it is an SGTIN."""

    epc: str
    gtin: str | None = None
    serial: str | None = None
    scheme: str | None = None
    problem: str | None = None


def decode_epc(epc_hex: str) -> DecodedEpc:
    """Decode an EPC's hex form; only SGTIN-96 yields a GTIN, anything else keeps just the EPC.

    A tag whose header says SGTIN-96 but whose bits break the standard (an
    unknown partition, say) keeps its EPC and reports the ``problem``.
    """
    epc = epc_hex.upper()
    if not epc.startswith(SGTIN_96_HEADER) or len(epc) != 24:
        return DecodedEpc(epc=epc)
    try:
        decoded = hex_to_tag_encodable(epc)
    except (ConvertException, ValueError) as err:
        return DecodedEpc(epc=epc, scheme="sgtin-96", problem=f"not a valid SGTIN-96: {err}")
    if not isinstance(decoded, SGTIN):  # pragma: no cover - the header guarantees SGTIN
        return DecodedEpc(epc=epc)
    serial = decoded.epc_uri.split(".", 2)[2]
    return DecodedEpc(epc=epc, gtin=decoded.gtin(), serial=serial, scheme="sgtin-96")

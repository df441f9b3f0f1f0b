"""Properties over arbitrary input: no byte vanishes, nothing crashes, directions mirror."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edge_agent.sensing.barcode.pipeline import ScannerPipeline
from edge_agent.sensing.barcode.station import StationRules
from edge_agent.sensing.framing import FrameError
from edge_agent.sensing.rfid.frames import FRAME_FORMATS, ReaderProtocol, StxEtxDecoder
from edge_agent.sensing.rfid.gate import Gate, GateRules, Side, Sighting
from edge_agent.wire import BarcodeScanned, GateDirection

GOOD = b"\x0267003B51C6CB\x03"
pieces = st.lists(
    st.one_of(st.just(GOOD), st.just(b"\x02"), st.just(b"\x03"), st.binary(max_size=20)),
    max_size=12,
)


@given(chunks=pieces, protocol=st.sampled_from([ReaderProtocol.RDM6300, ReaderProtocol.ID12]))
def test_every_byte_is_a_frame_an_error_or_pending(chunks: list[bytes], protocol) -> None:
    frame_format = FRAME_FORMATS[protocol]
    decoder = StxEtxDecoder(frame_format)
    accounted = 0
    for chunk in chunks:
        for item in decoder.feed(chunk):
            accounted += len(item.raw) if isinstance(item, FrameError) else frame_format.length
    assert accounted + len(decoder.pending) == sum(len(c) for c in chunks)


@settings(max_examples=200)
@given(chunks=st.lists(st.binary(max_size=40), max_size=10))
def test_scanner_pipeline_never_raises_and_only_emits_scans(chunks: list[bytes]) -> None:
    pipeline = ScannerPipeline(rules=StationRules(station="s"), scanners=["a"])
    for i, chunk in enumerate(chunks):
        for output in pipeline.feed("a", float(i), chunk):
            assert isinstance(output.data, BarcodeScanned)  # type: ignore[union-attr]


sightings = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=0.5),  # gap since the previous sighting
        st.sampled_from(["A", "B"]),  # which tag
        st.sampled_from([1, 2]),  # antenna
        st.one_of(st.none(), st.floats(min_value=-90, max_value=-30)),
    ),
    max_size=30,
)
MIRROR = {GateDirection.IN: GateDirection.OUT, GateDirection.OUT: GateDirection.IN}


def run_gate(reads: list[tuple[float, str, int, float | None]], outside: int) -> list[tuple]:
    sides = {("r", outside): Side.OUTSIDE, ("r", 3 - outside): Side.INSIDE}
    gate = Gate(GateRules(gate="g", sides=sides, rssi_floor_dbm=-80.0, presence_timeout_s=1.0))
    t_s, out = 0.0, []
    for gap_s, tag, antenna, rssi in reads:
        t_s += gap_s
        out += gate.observe(Sighting(t_s, f"{tag}0000000", "r", antenna, rssi))
    out += gate.flush()
    return [(e.t_s, e.data.epc, e.data.direction) for e in out]  # type: ignore[union-attr]


@given(reads=sightings)
def test_swapping_the_antennas_mirrors_every_direction(reads) -> None:
    normal = run_gate(reads, outside=1)
    swapped = run_gate(reads, outside=2)
    assert [(t, e, MIRROR.get(d, d)) for t, e, d in normal] == swapped

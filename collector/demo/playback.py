"""Play the scripted day: one simulated device per script device, phase after phase."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from collector.demo.feed import SITE, Phase, envelope
from collector.mqtt.address import BrokerAddress
from collector.mqtt.device_sim import PlannedMessage, SimulatedDevice
from collector.runtime.ports import Clock

PHASE_TIMEOUT_S = 20.0


class Playback:
    """The demo's devices, connected to one broker; each keeps its own seq counter."""

    def __init__(self, *, address: BrokerAddress, clock: Clock, device_ids: Sequence[str]) -> None:
        """Create (not yet connect) one simulated device per id."""
        self.devices = {
            device_id: SimulatedDevice(
                host=address.host,
                port=address.port,
                site=SITE,
                device_id=device_id,
                clock=clock,
                resend_after_s=2.0,
            )
            for device_id in device_ids
        }
        self._next_seq = dict.fromkeys(device_ids, 1)

    def __enter__(self) -> Playback:
        """Connect every device."""
        for device in self.devices.values():
            device.connect()
        return self

    def __exit__(self, *_exc: object) -> None:
        """Disconnect every device."""
        for device in self.devices.values():
            device.close()

    def play(self, phase: Phase) -> None:
        """Each device sends its part of the phase concurrently; returns once all are acked."""
        plans: dict[str, list[PlannedMessage]] = {}
        for event in phase.events:
            seq = self._next_seq[event.device_id]
            self._next_seq[event.device_id] = seq + 1
            plans.setdefault(event.device_id, []).append(
                PlannedMessage(seq, envelope(event, seq=seq))
            )
        errors: list[BaseException] = []
        threads = [
            threading.Thread(target=self._run, args=(device_id, plan, errors))
            for device_id, plan in plans.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def _run(self, device_id: str, plan: list[PlannedMessage], errors: list[BaseException]) -> None:
        """Thread body: one device's plan; errors are handed back to ``play``."""
        try:
            self.devices[device_id].run(plan, timeout_s=PHASE_TIMEOUT_S)
        except Exception as err:
            errors.append(err)

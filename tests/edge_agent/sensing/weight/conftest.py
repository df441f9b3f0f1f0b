"""Lane settings and a sample feeder shared by the weight pipeline tests."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from edge_agent.sensing.weight.lane import LaneEvent, LanePipeline
from edge_agent.sensing.weight.settings import LaneSettings, WeightPipelineSettings

RATE_HZ = 10.0


def make_lane(**overrides: object) -> LaneSettings:
    """A 100 g single-SKU lane calibrated at 430 counts/g, with overrides."""
    fields: dict[str, object] = {
        "lane": "a",
        "sku": "SKU-1",
        "unit_grams": 100.0,
        "calibration": {"zero_raw_counts": -50_000, "counts_per_gram": 430.0},
    }
    fields.update(overrides)
    return LaneSettings.model_validate(fields)


class Feeder:
    """Feeds a lane pipeline piecewise-constant grams plus seeded noise, at 10 Hz."""

    def __init__(self, pipeline: LanePipeline, noise_grams: float = 0.3, seed: int = 1) -> None:
        self.pipeline = pipeline
        self.noise_grams = noise_grams
        self.t_s = 0.0
        self.events: list[LaneEvent] = []
        self._rng = random.Random(seed)

    def hold(self, grams: float | Callable[[float], float], seconds: float) -> list[LaneEvent]:
        """Feed ``grams`` (or grams(t_s)) for ``seconds``; returns the events it caused."""
        new: list[LaneEvent] = []
        for _ in range(round(seconds * RATE_HZ)):
            level = grams(self.t_s) if callable(grams) else grams
            noisy = level + self._rng.gauss(0, self.noise_grams)
            event = self.pipeline.push_grams(self.t_s, noisy)
            if event is not None:
                new.append(event)
            self.t_s += 1 / RATE_HZ
        self.events += new
        return new


@pytest.fixture
def lane() -> LaneSettings:
    """The default 100 g lane."""
    return make_lane()


@pytest.fixture
def settings() -> WeightPipelineSettings:
    """Default tuning at 10 Hz."""
    return WeightPipelineSettings()


@pytest.fixture
def feeder(lane: LaneSettings, settings: WeightPipelineSettings) -> Feeder:
    """A feeder on a fresh pipeline of the default lane."""
    return Feeder(LanePipeline(lane, settings))

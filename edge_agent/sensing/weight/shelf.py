"""All lanes of one shelf unit, each with its own pipeline, fed by lane id."""

from __future__ import annotations

from collections.abc import Iterable

from edge_agent.errors import ConfigError
from edge_agent.sensing.weight.lane import LaneEvent, LanePipeline
from edge_agent.sensing.weight.settings import LaneSettings, WeightPipelineSettings
from edge_agent.wire import SensorHealth


class ShelfPipeline:
    """Routes samples to per-lane pipelines that share one set of tuning settings."""

    def __init__(
        self, lanes: Iterable[LaneSettings], settings: WeightPipelineSettings | None = None
    ) -> None:
        self.settings = settings or WeightPipelineSettings()
        self.lanes: dict[str, LanePipeline] = {}
        for lane in lanes:
            if lane.lane in self.lanes:
                raise ConfigError(f"lane {lane.lane!r} is configured twice")
            self.lanes[lane.lane] = LanePipeline(lane, self.settings)

    def lane(self, lane: str) -> LanePipeline:
        """The pipeline of ``lane``; ``KeyError`` naming the known lanes otherwise."""
        try:
            return self.lanes[lane]
        except KeyError:
            raise KeyError(f"unknown lane {lane!r}; configured: {', '.join(self.lanes)}") from None

    def push_raw(self, t_s: float, lane: str, raw_counts: int) -> LaneEvent | None:
        """Feed a raw HX711 reading of ``lane``."""
        return self.lane(lane).push_raw(t_s, raw_counts)

    def push_grams(self, t_s: float, lane: str, grams: float) -> LaneEvent | None:
        """Feed a calibrated reading of ``lane``."""
        return self.lane(lane).push_grams(t_s, grams)


def lane_health(
    lane: LanePipeline,
    *,
    sample_rate_hz: float | None = None,
    errors: int = 0,
    retries: int = 0,
    rejected: int = 0,
) -> SensorHealth:
    """A lane's heartbeat entry: driver counts over the interval plus the pipeline's view.

    ``noise_grams`` is the measured noise (1σ); ``drift_grams`` how far zero
    tracking has moved the zero since start or the last tare.
    """
    return SensorHealth(
        sensor=lane.lane.lane,
        sample_rate_hz=sample_rate_hz,
        errors=errors,
        retries=retries,
        rejected=rejected,
        noise_grams=round(lane.noise_grams, 3),
        drift_grams=round(lane.zero_grams, 3),
    )

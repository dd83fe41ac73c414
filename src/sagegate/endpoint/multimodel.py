"""Multi-model endpoints: many model directories behind one endpoint name, chosen per request.

As on AWS, ``TargetModel`` (header ``X-Amzn-SageMaker-Target-Model``) names the model by its
path relative to the endpoint's model location, ``NAME.tar.gz`` for the artifact
``<prefix>/NAME.tar.gz``; locally the location is a directory and ``DIR/NAME/`` is the model
directory (``NAME`` alone is accepted too). A model loads on its first invocation, which is
therefore slower, and at most ``max_loaded_models`` stay loaded: beyond that the least
recently used one is unloaded, as SageMaker unloads models when an instance runs short of
memory. https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoints.html and
https://docs.aws.amazon.com/sagemaker/latest/dg/invoke-multi-model-endpoint.html
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from sagegate.endpoint import errors
from sagegate.endpoint.loading import LoadedModel, LoadState

ARTIFACT_SUFFIX = ".tar.gz"


@dataclass(frozen=True, slots=True)
class MultiModel:
    """What a multi-model endpoint serves: every model directory ``model_dir/NAME/``.

    `max_loaded_models` (None: no bound) is how many stay loaded at once.
    """

    model_dir: Path
    max_loaded_models: int | None = None

    def __post_init__(self) -> None:
        if self.max_loaded_models is not None and self.max_loaded_models < 1:
            raise ValueError("max_loaded_models must be at least 1")


def model_name(target_model: str) -> str:
    """The model directory's name for a TargetModel: ``NAME.tar.gz`` and ``NAME`` are NAME."""
    if target_model.endswith(ARTIFACT_SUFFIX):
        return target_model[: -len(ARTIFACT_SUFFIX)]
    return target_model


class ModelRegistry:
    """The models of one multi-model endpoint that are loaded or loading, least recently
    used first."""

    def __init__(self, endpoint_name: str, config: MultiModel) -> None:
        self.endpoint_name = endpoint_name
        self.model_dir = config.model_dir
        self.max_loaded = config.max_loaded_models
        self._models: OrderedDict[str, LoadedModel] = OrderedDict()

    @property
    def loaded(self) -> list[str]:
        """The names of the loaded models, least recently used first."""
        return [name for name, m in self._models.items() if m.state is LoadState.READY]

    def model(self, target_model: str) -> LoadedModel:
        """The model TargetModel names, now the most recently used; a new, pending one when it
        is not loaded. Raises ValidationError when no model directory has that name."""
        name = model_name(target_model)
        model = self._models.get(name)
        if model is not None:
            self._models.move_to_end(name)
            return model
        directory = self.model_dir / name
        # A name is one directory of model_dir: never a path that leads elsewhere.
        if name in ("", ".", "..") or "/" in name or "\\" in name or not directory.is_dir():
            raise errors.target_model_unknown(target_model, str(directory))
        model = self._models[name] = LoadedModel(f"{self.endpoint_name}/{name}", directory)
        return model

    def forget(self, model: LoadedModel) -> None:
        """Drop `model` (it failed to load: the next invocation tries again)."""
        name = model.model_dir.name
        if self._models.get(name) is model:
            del self._models[name]

    def evict(self, keep: LoadedModel) -> list[LoadedModel]:
        """Unload the least recently used loaded models beyond the bound, never `keep` (the
        model that just loaded); returns them. Models still loading count but stay."""
        if self.max_loaded is None:
            return []
        evicted = []
        excess = len(self._models) - self.max_loaded
        for name, model in list(self._models.items()):
            if excess <= 0:
                break
            if model.state is LoadState.READY and model is not keep:
                del self._models[name]
                model.unload()
                evicted.append(model)
                excess -= 1
        return evicted

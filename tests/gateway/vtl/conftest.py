"""Every template a test here renders is rendered by both engines, which must agree."""

from __future__ import annotations

import pytest

from sagegate.gateway.vtl import MappingTemplate
from tests.gateway.vtl.differential import checking_render


@pytest.fixture(autouse=True)
def both_engines_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrap `MappingTemplate.render` so each render is checked against the reference."""
    monkeypatch.setattr(MappingTemplate, "render", checking_render(MappingTemplate.render))

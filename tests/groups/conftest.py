from __future__ import annotations

import pytest
import time_machine

from tests.progress.builders import NOW


@pytest.fixture
def clock():
    """Frozen at NOW. Ask for it before `api`, so the token is issued at NOW too."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller

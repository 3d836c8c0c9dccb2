"""A local stand-in for the OSRS hiscores: the real paths and formats, real
recorded players plus as many generated ones as wanted, growth with the clock,
and the real failures on demand. Used by tests, `make demo`, integration tests
and benchmarks through `OSRS_HISCORES_BASE_URL`; run it with
`python manage.py fakehiscores`.
"""

from hiscores.fake.app import FakeHiscores, Reply
from hiscores.fake.faults import Fault, FaultKind
from hiscores.fake.generated import DE_IRONED, DEAD_HARDCORE, DEMO_NAMES
from hiscores.fake.players import UnknownPlayer
from hiscores.fake.samples import SAMPLE_FILES
from hiscores.fake.server import FakeHiscoresServer

__all__ = [
    "DEAD_HARDCORE",
    "DEMO_NAMES",
    "DE_IRONED",
    "SAMPLE_FILES",
    "FakeHiscores",
    "FakeHiscoresServer",
    "Fault",
    "FaultKind",
    "Reply",
    "UnknownPlayer",
]

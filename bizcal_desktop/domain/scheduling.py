"""Slot scheduling: the one import for callers (store, UI, CLI) that offer or explain free times.

The work is split into small modules with one job each and gathered here:

* :mod:`~bizcal_desktop.domain.working_hours` — weekly local hours, validated, to/from JSON dicts;
* :mod:`~bizcal_desktop.domain.rules` — ``SchedulingRules``, ``ServiceSpec``, ``Blocker``;
* :mod:`~bizcal_desktop.domain.local_time` — wall clock <-> UTC on DST days;
* :mod:`~bizcal_desktop.domain.slots` — ``generate_slots`` (sort/merge blockers once, then bisect);
* :mod:`~bizcal_desktop.domain.explain` — ``explain``: every reason a start is not offered.
"""

from __future__ import annotations

from bizcal_desktop.domain.explain import Explanation, Reason, ReasonCode, explain
from bizcal_desktop.domain.rules import Blocker, BlockerKind, SchedulingRules, ServiceSpec
from bizcal_desktop.domain.slots import generate_slots
from bizcal_desktop.domain.working_hours import WorkingHours

__all__ = [
    "Blocker",
    "BlockerKind",
    "Explanation",
    "Reason",
    "ReasonCode",
    "SchedulingRules",
    "ServiceSpec",
    "WorkingHours",
    "explain",
    "generate_slots",
]

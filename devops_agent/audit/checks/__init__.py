"""The audit checks: one module per check, named after its id.

Each module holds ``META`` (a :class:`~devops_agent.audit.models.CheckMeta`) and
``check(inventory) -> Iterable[Hit]``, a pure function over the
:class:`~devops_agent.audit.inventory.Inventory`: no API calls, no boto3. Modules
whose names start with ``_`` are helpers, not checks. Nothing is registered at
import time; :func:`devops_agent.audit.registry.discover_checks` finds them.
"""

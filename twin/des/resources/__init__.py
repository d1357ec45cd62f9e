"""Shared resources: :mod:`.resource` (usage slots), :mod:`.store` (objects), :mod:`.container` (matter).

Beyond SimPy, :mod:`.stats` holds the statistics recorded with ``monitor=True``.
"""

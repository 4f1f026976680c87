"""Link ads into networks: shared phone / e-mail / handle, same or near-identical photo, near-duplicate text.

Public API: :func:`signaal.linking.run.link` (``signaal link``) and
:func:`signaal.linking.explain.related` (``signaal related``). See docs/linking.md.
"""

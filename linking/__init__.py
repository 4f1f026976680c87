"""Link ads into networks: shared phone / e-mail / handle, same or near-identical photo, near-duplicate text.

Public API: :func:`linking.run.link` (``signaal link``) and
:func:`linking.explain.related` (``signaal related``). See docs/linking.md.
"""

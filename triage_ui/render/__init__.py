"""Pure functions that turn data into display pieces (spans, diffs, charts, safe CSV).

They return plain structures; Jinja autoescaping does all HTML escaping in templates.
"""

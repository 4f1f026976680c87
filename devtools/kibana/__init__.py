"""Kibana saved objects for Signaal (data view + overview dashboard) and their push to a Kibana."""

"""Retention: remove or pseudonymise old ads that are not leads, keeping the evidence of leads.

Personal data may only be kept as long as the purpose needs it. Ads that nobody
judged relevant are removed or pseudonymised after a configured age; leads,
escalations, ads under review and every ad in a cluster that holds one are kept
with their evidence. Every run is recorded in the audit log.
"""

"""Incidents, escalation, the outbox and the notifier channels."""

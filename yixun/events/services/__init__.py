"""Every write to events goes through these services; each audits what it changed."""

"""Repair knowledge in one place: the fix-safety policy, and (as they land) the name resolver
with its synonym table, key roles and JSON text recovery."""

"""Sanctions, shared by the worker and the list lifecycle: the list index signals are matched
against, matching, issuing and reconciling instructions, and the situations a policy weighs."""

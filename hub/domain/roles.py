"""Who may call the API: the roles a token carries, the one list the tokens table and token
issuing check against (hub.api.access says what each role may do).

An operator runs the alliance, an auditor reads everything and changes nothing, a member
sees its own affairs only.
"""

__all__ = ["API_ROLES"]

API_ROLES = ("operator", "auditor", "member")

"""Members' lives in the alliance: onboarding, suspension, removal, and drift on the broker."""

"""IAM policy documents as pure functions returning dicts: readable, auditable, testable without a cloud."""

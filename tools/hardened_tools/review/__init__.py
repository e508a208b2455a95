"""What a change does to security: the security diff of two plans and the summary of a real preview."""

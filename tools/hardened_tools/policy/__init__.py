"""The library's invariants as policies: one set of rules, run by the Pulumi policy pack and over the offline plan."""

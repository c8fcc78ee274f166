"""Use cases: take a unit of work and a clock, apply the rules, queue what to say."""

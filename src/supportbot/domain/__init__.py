"""Pure rules of the support playbook: no platform, database or config code."""

"""Config shared by the end-to-end tests: fast clocks, always-open hours, quick retries."""


def clock_sections(emergency: str) -> str:
    """[scheduler], [business_hours], [policy.emergency], [outbox] and [digest] for a bot under test:
    sweeps and flushes every second, business hours around the clock (so a test never depends
    on the day it runs), the emergency clock set to `emergency`, retries a few seconds apart, and
    no scheduled digest or morning summary (on the real clock they would post whenever a test runs;
    the digest's own tests send them on a manual clock)."""
    return f"""
[scheduler]
sweep_interval = "1s"
outbox_interval = "1s"

[business_hours]
timezone = "UTC"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
open = "00:00"
close = "23:59"

[policy.emergency]
first_response = "{emergency}"
escalate_every = "{emergency}"

[outbox]
max_attempts = 12
first_backoff = "1s"
max_backoff = "4s"

[digest]
enabled = false
"""

"""A platform event whose handling fails is tried again briefly; a given-up one comes back as its error."""

import logging

from supportbot.chat.retrying import SHORT, RetryPolicy, with_retries

NO_WAIT = RetryPolicy(tries=3, first_wait=0)


async def test_an_event_failing_during_an_outage_is_handled_once_the_database_is_back():
    calls = []

    async def handle():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("database restarting")

    assert await with_retries(handle, what="message 7", policy=NO_WAIT) is None
    assert len(calls) == 3


async def test_an_event_that_never_succeeds_comes_back_as_its_error_and_its_text_is_not_logged(caplog):
    async def handle():
        raise ValueError("bug")

    with caplog.at_level(logging.DEBUG):
        error = await with_retries(handle, what="message 8", policy=NO_WAIT)
    assert isinstance(error, ValueError)
    assert "message 8" in caplog.text and "ValueError: bug" in caplog.text


def test_the_short_retry_holds_an_event_seconds_not_minutes():
    # Later updates wait while an update is retried: a bad one must not stall the desk for minutes.
    assert 2 <= SHORT.tries <= 5
    assert 1.0 <= SHORT.longest <= 5.0

"""A platform event whose handling fails is tried again, and a given-up one is logged whole."""

import logging

from supportbot.chat.retrying import with_retries


async def test_an_event_failing_during_an_outage_is_handled_once_the_database_is_back():
    calls = []

    async def handle():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("database restarting")

    handled = await with_retries(handle, what="message 7", content=lambda: "the report text", first_wait=0)
    assert handled is True
    assert len(calls) == 3


async def test_an_event_that_never_succeeds_is_given_up_with_its_content_in_the_log(caplog):
    async def handle():
        raise ValueError("bug")

    with caplog.at_level(logging.ERROR):
        handled = await with_retries(handle, what="message 8", content=lambda: "my wallet is empty", tries=3,
                                     first_wait=0)
    assert handled is False
    assert "message 8 given up after 3 tries; its content: my wallet is empty" in caplog.text

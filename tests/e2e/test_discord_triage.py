"""Triage on Discord end to end: /priority with its choices, /product with product keys offered as you type
(an emergency given its product calls that product's owner in), and /backlog."""

from __future__ import annotations

import pytest

from tests.e2e.inprocess_fixtures import discord, discord_bot  # noqa: F401 (pytest fixtures)
from tests.e2e.support_discord import ALICE, BOB, CAROL, DAVE, EMERGENCY, GUILD, TEAM, text_of

pytestmark = pytest.mark.e2e


async def test_an_emergency_gets_its_product_and_priority_and_heads_the_backlog(discord, discord_bot):
    fake, bot = discord, await discord_bot()
    synced = {c["name"]: c for c in fake.synced_commands(GUILD)}
    priority = {o["name"]: o for o in synced["priority"]["options"]}
    assert [c["value"] for c in priority["priority"]["choices"]] == ["p1", "p2", "p3", "p4"]
    product = {o["name"]: o for o in synced["product"]["options"]}
    assert product["product"]["autocomplete"] and product["product"]["required"]
    assert not {o["name"]: o for o in synced["faq"]["options"]}["key"].get("required")

    iid = fake.autocomplete(TEAM, BOB, "product", {"product": "cu"}, focused="product")
    [offered] = await bot.until(lambda: [r for r in fake.interaction_responses(iid) if r["type"] == 8],
                                "autocomplete")
    assert [c["value"] for c in offered["data"]["choices"]] == ["curate"]

    report = fake.post_message(EMERGENCY, DAVE, "Nothing loads at all since this morning, every page is blank")
    thread = await bot.thread_on(report)
    await bot.posted(TEAM, "🚨 Emergency #1 (no product)")

    moved = await bot.slash(TEAM, BOB, "product", ticket=1, product="curate")
    assert "Ticket #1 moved to Curate (by Bob)" in moved["content"] and not moved["ephemeral"]
    notice = await bot.posted(TEAM, "moved from no product to Curate")
    assert f"<@{CAROL}>" in notice["content"]  # Curate's owner, tagged

    set_ = await bot.slash(thread["id"], CAROL, "priority", priority="p1")
    assert "Ticket #1 is now P1 (by Carol)" in set_["content"]
    card = await bot.until(lambda: next((m for m in fake.messages(thread["id"])
                                         if m["embeds"] and "P1" in text_of(m)), None), "the card showing P1")
    assert "Curate" in text_of(card)

    backlog = await bot.slash(TEAM, ALICE, "backlog")
    assert backlog["ephemeral"] and "#1 P1 🚨 [curate]" in backlog["content"]
    refused = await bot.slash(thread["id"], DAVE, "priority", priority="p4")
    assert refused["ephemeral"] and refused["content"].startswith("⚠️")

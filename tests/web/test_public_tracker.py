"""The public tracker as reporters use it: reports posted in the console chat show up at /, on their own
page, in the JSON twins and in their product's Atom feed; what is private never does."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from supportbot.services import public_tracker
from tests.web.conftest import WebWorld

ATOM = "{http://www.w3.org/2005/Atom}"
SEED = "abandon " * 11 + "about"
KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
ADDRESS = "0x52908400098527886E0F7030069857D2E4169EE7"


async def text(world: WebWorld, path: str, status: int = 200) -> str:
    response = await world.client.get(path)
    body = await response.text()
    assert response.status == status, (path, response.status, body)
    return body


async def data(world: WebWorld, path: str, status: int = 200) -> dict:
    return json.loads(await text(world, path, status))


def entries(feed: str) -> list[ET.Element]:
    return ET.fromstring(feed.encode()).findall(f"{ATOM}entry")


async def test_a_report_posted_in_the_console_appears_on_the_tracker_and_its_page(web_world: WebWorld, clock) -> None:
    await web_world.say("/as Erin", "/in court", "My stake is stuck on the withdraw page")
    clock.advance(hours=3)

    listing = await text(web_world, "/")
    assert "#1" in listing and "My stake is stuck on the withdraw page" in listing and "Court v2" in listing
    assert "🔴" in listing and "🐛" in listing and "3 h" in listing
    assert 'href="/tickets/1"' in listing

    page = await text(web_world, "/tickets/1")
    assert "My stake is stuck on the withdraw page" in page and "Reported" in page and "🔴 received" in page

    [row] = (await data(web_world, "/api/public/tickets"))["open"]
    assert (row["number"], row["status"], row["marker"], row["severity"], row["product"], row["age"]) == (
        1, "received", "🔴", "normal", "court", "3 h")
    assert row["url"] == "http://127.0.0.1:8080/tickets/1" and row["last_update"]["text"] == "Reported"
    one = await data(web_world, "/api/public/tickets/1")
    assert one["title"] == "My stake is stuck on the withdraw page" and one["timeline"][0]["kind"] == "opened"


async def test_the_timeline_shows_status_severity_resolution_and_the_teams_replies_only(web_world: WebWorld, clock) -> None:
    await web_world.say("/as Erin", "/in court", "Claim button does nothing on the court page")  # message #1, card #2
    await web_world.say("/as Alice", ">>2 We can reproduce it, a fix is coming", "/status 1 in_progress digging in the logs")
    clock.advance(hours=1)
    await web_world.say("/as Erin", ">>2 thanks, waiting for my refund please hurry", "/as Bob", "/severity 1 emergency",
                        "/severity 1 emergency", "/resolve 1 fixed deployed by hand on box 7")

    page = await text(web_world, "/tickets/1")
    timeline = re.findall(r'<li class="entry (\w+)">', page)
    assert timeline == ["opened", "reply", "status", "severity", "status"]  # the repeated /severity changed nothing
    assert "Support team:</strong> <span class=\"text\">We can reproduce it, a fix is coming" in page
    assert "⭕️ in progress" in page and "🚨 emergency" in page and "🟢 resolved as fixed" in page
    for private in ("Alice", "Bob", "Erin", "waiting for my refund", "digging in the logs", "box 7"):
        assert private not in page
    [*_, last] = (await data(web_world, "/api/public/tickets/1"))["timeline"]
    assert (last["kind"], last["text"]) == ("status", "🟢 resolved as fixed")


async def test_a_reply_in_the_team_chat_is_never_shown_and_one_in_the_products_chat_is(web_world: WebWorld) -> None:
    said = await web_world.say("/as Erin", "/in court", "Claim button does nothing on the court page",
                               "/in curate", "Curate list is empty on mobile")
    notices = [int(n) for n in re.findall(r"^\[team\] #(\d+) supportbot", "\n".join(said), re.MULTILINE)]
    assert len(notices) == 2  # the team chat heard of both tickets
    await web_world.say("/as Alice", "/in court", ">>2 We can reproduce it", "/in team",
                        f">>{notices[0]} between us, the reporter is the whale from last week",
                        "/in curate", ">>5 Fixed in the next release")

    first = await text(web_world, "/tickets/1")
    assert "whale" not in first
    assert "Support team:</strong> <span class=\"text\">We can reproduce it" in first
    assert "Support team:</strong> <span class=\"text\">Fixed in the next release" in await text(web_world, "/tickets/2")


async def test_filters_by_product_and_status(web_world: WebWorld) -> None:
    await web_world.say("/as Erin", "/in court", "Court page shows a blank screen",
                        "/in curate", "Curate submission fails with an error", "Curate list is empty on mobile")
    await web_world.say("/as Alice", "/status 2 in_progress")

    def numbers(listing: dict) -> list[int]:
        return [row["number"] for row in listing["open"] + listing["recently_resolved"]]

    assert numbers(await data(web_world, "/api/public/tickets")) == [1, 2, 3]
    assert numbers(await data(web_world, "/api/public/tickets?product=curate")) == [2, 3]
    assert numbers(await data(web_world, "/api/public/tickets?product=curate&status=received")) == [3]
    assert numbers(await data(web_world, "/api/public/tickets?product=court&status=in_progress")) == []
    assert numbers(await data(web_world, "/api/public/tickets?product=&status=")) == [1, 2, 3]  # an empty form
    page = await text(web_world, "/?product=curate&status=in_progress")
    assert "#2" in page and "#3" not in page and "#1" not in page
    assert '<option value="curate" selected>' in page


@pytest.mark.parametrize("query, reason", [
    ("product=nope", "Unknown product 'nope'; products: court, curate."),
    ("status=open", "Unknown status 'open'; statuses: received, in_progress, fix_provided, resolved."),
    ("page=0", "The page must be a whole number from 1 to 1000."),
    ("page=2x", "The page must be a whole number from 1 to 1000."),
])
async def test_an_unknown_filter_is_a_400_with_a_one_line_reason(web_world: WebWorld, query: str, reason: str) -> None:
    assert await text(web_world, f"/?{query}", 400) == reason
    assert await data(web_world, f"/api/public/tickets?{query}", 400) == {"error": reason}


async def test_resolved_tickets_stay_listed_for_fourteen_days(web_world: WebWorld, clock) -> None:
    await web_world.say("/as Erin", "/in court", "Withdraw fails with an error", "Deposit button greyed out")
    await web_world.say("/as Alice", "/resolve 1 answered")
    clock.advance(days=13)

    listing = await data(web_world, "/api/public/tickets")
    assert [r["number"] for r in listing["open"]] == [2]
    assert [(r["number"], r["resolution"]) for r in listing["recently_resolved"]] == [(1, "answered")]
    assert "Resolved in the last 14 days" in await text(web_world, "/")
    assert [r["number"] for r in (await data(web_world, "/api/public/tickets?status=resolved"))["open"] +
            (await data(web_world, "/api/public/tickets?status=resolved"))["recently_resolved"]] == [1]

    clock.advance(days=2)
    listing = await data(web_world, "/api/public/tickets")
    assert listing["recently_resolved"] == [] and "Withdraw fails" not in await text(web_world, "/")
    assert (await data(web_world, "/api/public/tickets/1"))["status"] == "resolved"  # its page stays


async def test_pages_hold_a_page_size_and_link_to_the_next(web_world: WebWorld, monkeypatch) -> None:
    monkeypatch.setattr(public_tracker, "PAGE_SIZE", 2)
    await web_world.say("/as Erin", "/in court", "First problem with the page", "Second problem with the page",
                        "Third problem with the page")

    first = await data(web_world, "/api/public/tickets?product=court")
    assert [r["number"] for r in first["open"]] == [1, 2]
    assert first["next"] == "http://127.0.0.1:8080/api/public/tickets?product=court&page=2"
    second = await data(web_world, first["next"].removeprefix("http://127.0.0.1:8080"))
    assert [r["number"] for r in second["open"]] == [3] and second["next"] is None
    page = await text(web_world, "/?product=court")
    assert 'rel="next" href="/?product=court&amp;page=2"' in page
    assert 'rel="prev" href="/?product=court"' in await text(web_world, "/?product=court&page=2")


async def test_a_security_ticket_is_not_found_exactly_like_a_missing_one(web_world: WebWorld) -> None:
    said = await web_world.say("/as Erin", "/in court", f"my wallet words are {SEED} please help")
    assert any("🗑" in line for line in said)  # taken out of the chat: it is a security ticket, #1

    for path in ("/tickets/{n}", "/api/public/tickets/{n}"):
        hidden = await web_world.client.get(path.format(n=1))
        missing = await web_world.client.get(path.format(n=2))
        assert hidden.status == missing.status == 404
        assert (await hidden.text()).replace("#1", "#N") == (await missing.text()).replace("#2", "#N")
    assert entries(await text(web_world, "/feeds/court.atom")) == []
    assert (await data(web_world, "/api/public/tickets"))["open"] == []


@pytest.mark.parametrize("path", ["/tickets/0", "/tickets/99999999999", "/api/public/tickets/4294967296",
                                  "/tickets/abc", "/feeds/nope.atom", "/feeds/court.rss"])
async def test_numbers_and_feeds_that_do_not_exist_are_404(web_world: WebWorld, path: str) -> None:
    await text(web_world, path, 404)


async def test_nothing_private_appears_in_any_public_page_json_or_feed(web_world: WebWorld, clock) -> None:
    await web_world.say(
        "/as Erin Privatename", "/in court", f"Rewards missing for my account {ADDRESS} on the court page",
        f"Staking page shows zero, my key is {KEY}",  # a secret: a private security ticket
        "/in curate", "The contract was exploited, attackers drained the pool",  # security wording
    )
    await web_world.say("/as Alice", "/in court", f">>2 Checking {ADDRESS} now", "/note 1 internal thing about the whale",
                        "/status 1 fix_provided")
    clock.advance(hours=2)
    await web_world.say("/as Erin Privatename", "/in court", ">>2 still nothing for me, my phone number is 555-0100")

    listing = await data(web_world, "/api/public/tickets")
    public = [row["number"] for row in listing["open"]]
    assert public == [1]  # the other two are security tickets
    bodies = [await text(web_world, path) for path in (
        "/", "/?status=resolved", "/?product=court", "/?product=curate", "/api/public/tickets",
        "/feeds/court.atom", "/feeds/curate.atom", "/tickets/1", "/api/public/tickets/1")]
    for number in (2, 3):
        await text(web_world, f"/tickets/{number}", 404)
        await text(web_world, f"/api/public/tickets/{number}", 404)
    assert "Support team" in bodies[-2] and "Checking 0x…[address] now" in bodies[-2]
    everything = "\n".join(bodies)
    for private in ("Privatename", "Erin", "Alice", "internal thing", "whale", "555-0100", ADDRESS, ADDRESS.lower(),
                    KEY, "Staking page shows zero", "exploited", "drained", "#2", "#3", "/tickets/2", "/tickets/3"):
        assert private not in everything, private


async def test_markup_in_a_report_renders_as_text(web_world: WebWorld) -> None:
    await web_world.say("/as Erin", "/in court",
                        'Page breaks <script>alert(1)</script> and "><img src=x onerror=alert(1)> on withdraw')
    await web_world.say("/as Alice", '>>2 Looking at <script>alert(2)</script> "><img src=y onerror=alert(2)>', "/status 1 in_progress")

    for path in ("/", "/tickets/1", "/api/public/tickets", "/api/public/tickets/1", "/feeds/court.atom"):
        body = await text(web_world, path)
        assert "<script>" not in body and "<img" not in body, path
        if not path.endswith(".atom"):
            continue
        [entry] = entries(body)
        assert "<script>alert(1)</script>" in entry.findtext(f"{ATOM}title", "")  # parsed back: text, not markup
    page = await text(web_world, "/tickets/1")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in await text(web_world, "/api/public/tickets/1")


async def test_each_product_has_a_valid_atom_feed_of_status_changes_newest_first(web_world: WebWorld, clock) -> None:
    await web_world.say("/as Erin", "/in court", "Withdraw fails with an error", "/in curate", "Curate is slow today")
    await web_world.say("/as Alice", "/status 1 in_progress")
    clock.advance(minutes=30)
    await web_world.say("/status 2 in_progress", "/note 1 not in the feed")
    clock.advance(minutes=30)
    await web_world.say("/resolve 1 fixed", ">>2 a reply is not a status change")

    response = await web_world.client.get("/feeds/court.atom")
    assert response.status == 200 and response.headers["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring((await response.text()).encode())
    assert feed.findtext(f"{ATOM}id") == "http://127.0.0.1:8080/feeds/court.atom"
    assert feed.findtext(f"{ATOM}title") and feed.findtext(f"{ATOM}updated") == "2026-12-07T10:00:00Z"
    assert feed.find(f"{ATOM}link[@rel='self']") is not None and feed.find(f"{ATOM}author/{ATOM}name") is not None
    found = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in found] == [
        "#1 🟢 resolved as fixed: Withdraw fails with an error", "#1 ⭕️ in progress: Withdraw fails with an error"]
    assert [e.findtext(f"{ATOM}updated") for e in found] == ["2026-12-07T10:00:00Z", "2026-12-07T09:00:00Z"]
    for entry in found:
        assert entry.find(f"{ATOM}link").get("href") == "http://127.0.0.1:8080/tickets/1"
        assert entry.findtext(f"{ATOM}id", "").startswith("http://127.0.0.1:8080/tickets/1#event-")
    assert len({e.findtext(f"{ATOM}id") for e in found}) == 2
    [curate] = entries(await text(web_world, "/feeds/curate.atom"))
    assert curate.findtext(f"{ATOM}title") == "#2 ⭕️ in progress: Curate is slow today"


async def test_with_the_public_tracker_off_every_public_route_is_404(make_web_world) -> None:
    world = await make_web_world(public_tracker=False)
    await world.say("/as Erin", "/in court", "Withdraw fails with an error")

    for path in ("/", "/?product=court", "/tickets/1", "/api/public/tickets", "/api/public/tickets/1",
                 "/feeds/court.atom"):
        await text(world, path, 404)
    await text(world, "/static/style.css")  # the rest of the web side stays

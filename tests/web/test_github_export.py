"""`supportbot export tickets` carries each ticket's GitHub links as its card shows them (link → how it
stands), after the link-up has followed them, on both engines."""

from __future__ import annotations

import csv
import io
import json

from supportbot import cli_report
from supportbot.db.engine import Database
from tests.web.github_world import (  # noqa: F401  (make_github_world: fixture)
    PR_URL,
    REPO,
    MakeWorld,
    make_github_world,
    pull_event,
)


async def test_the_export_carries_each_tickets_github_links(make_github_world: MakeWorld,
                                                             database: Database) -> None:
    world = await make_github_world(database=database)
    world.fake.add_pull(REPO, 12, title="Fix the stake button")
    await world.say("/as Erin", "/in court", "My stake is stuck since the upgrade, the button does nothing",
                    "/as dave", "The juror page is blank on Firefox since this morning",
                    "/as Alice", "/in team", f"/pr 1 {PR_URL}", "/issue 1")
    assert await world.run_calls() == 2  # the PR fetched, the issue opened
    world.fake.merge(REPO, 12)
    await world.deliver("pull_request", pull_event("closed", world.fake.pulls[(REPO, 12)]))
    [issue_url] = [issue["html_url"] for issue in world.fake.issues.values()]

    out = io.StringIO()
    await cli_report.write_export(world.app, "jsonl", out)
    one, two = (json.loads(line) for line in out.getvalue().splitlines())

    assert one["github_links"] == {PR_URL: "merged", issue_url: "open"}
    assert two["github_links"] == {}
    out = io.StringIO()
    await cli_report.write_export(world.app, "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [json.loads(row["github_links"]) for row in rows] == [one["github_links"], {}]

"""python-telegram-bot's transport straight into the fake Bot API's state: no socket, no thread.

The same seam python-telegram-bot's own tests use (`telegram.request.BaseRequest`): a Bot built with
`InMemoryRequest(fake)` sends every call to `fake.handle`, which validates and answers it exactly as the
HTTP server in telegram_api.py does, in microseconds. getUpdates waits forever: the test hands updates
to the adapter itself."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from telegram.request import BaseRequest, RequestData

from .telegram_api import FakeTelegram, _normalise
from .telegram_state import ApiError


class InMemoryRequest(BaseRequest):
    """Answers Bot API calls from a FakeTelegram that need not be started."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        if name.lower() == "getupdates":
            await asyncio.Future()  # a long poll nothing ends but its cancellation
        raw: dict[str, Any] = dict(request_data.json_parameters) if request_data is not None else {}
        if request_data is not None and request_data.contains_files:
            raw.update({field: {"filename": filename, "content_type": mime, "data": data}
                        for field, (filename, data, mime) in request_data.multipart_data.items()})
        with self.fake.lock:
            params = raw
            try:
                params = _normalise(raw)
                body, status = {"ok": True, "result": self.fake.handle(name, params)}, 200
            except ApiError as exc:
                body, status = exc.body(), exc.status
            except (ValueError, TypeError, KeyError, AttributeError) as exc:  # parameters of the wrong shape
                body, status = ApiError(400, f"Bad Request: invalid parameters ({exc!r})").body(), 400
            self.fake.log.append({"method": name, "time": self.fake.clock(), "status": status, "params": params,
                                  "description": body.get("description")})
        return status, json.dumps(body).encode()

"""Reading Streamlit's websocket from a browser test or benchmark: which script runs a page load caused, and a
session opened without a browser (what the server alone takes)."""
from __future__ import annotations

import time

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FULL_RUN = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
FRAGMENT_RUN = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


def script_finished(payload: bytes | str) -> int | None:
    """The end status of a script run if this websocket frame from the server reports one, else None."""
    if not isinstance(payload, bytes):
        return None
    message = ForwardMsg()
    message.ParseFromString(payload)
    return message.script_finished if message.WhichOneof("type") == "script_finished" else None


MAP_ELEMENTS = ("iframe", "component_instance")  # the Atlas's map frame (st.iframe) and st_folium's component


async def session_load(base_url: str, page_name: str, query_string: str, headers: dict | None = None) -> float:
    """Open one session on a running server the way the browser's first message does, without a browser: seconds
    until the server has sent the page's first map element (NaN if its script run finished without one).
    `headers`: sent with the websocket's opening request (a balancer's cookie)."""
    request = BackMsg()
    request.rerun_script.query_string = query_string
    request.rerun_script.page_name = page_name
    start = time.perf_counter()
    async with websockets.connect(base_url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, additional_headers=headers) as socket:
        await socket.send(request.SerializeToString())
        async for payload in socket:
            message = ForwardMsg()
            message.ParseFromString(payload)
            kind = message.WhichOneof("type")
            if (kind == "delta" and message.delta.WhichOneof("type") == "new_element"
                    and message.delta.new_element.WhichOneof("type") in MAP_ELEMENTS):
                return time.perf_counter() - start
            if kind == "script_finished":
                return float("nan")
    raise ConnectionError(f"{base_url}: the session closed before its script run finished")

"""Reading Streamlit's websocket from a browser test or benchmark: which script runs a page load caused."""
from __future__ import annotations

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

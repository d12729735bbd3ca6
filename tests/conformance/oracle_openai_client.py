"""What the OpenAI SDK makes of this service's errors; run by an oracle's python, which has the `openai` package.

Reads `{"base_url": ..., "calls": [{"api_key": ..., "call": "list" | "retrieve", "model": ...}]}` on stdin and
writes `{"results": [{"error": class name, "status_code", "str", "message", "type", "code", "param"} or
{"error": null}]}`: what a client's code sees when the call fails.
"""

import json
import sys

import openai


def attempt(base_url: str, call: dict) -> dict:
    client = openai.OpenAI(base_url=base_url, api_key=call["api_key"], max_retries=0, timeout=30)
    try:
        if call["call"] == "list":
            client.models.list()
        else:
            client.models.retrieve(call["model"])
    except openai.APIStatusError as error:
        return {
            "error": type(error).__name__,
            "status_code": error.status_code,
            "str": str(error),
            "message": error.message,
            "type": error.type,
            "code": error.code,
            "param": error.param,
        }
    return {"error": None}


def main() -> None:
    payload = json.load(sys.stdin)
    json.dump({"results": [attempt(payload["base_url"], call) for call in payload["calls"]]}, sys.stdout)


if __name__ == "__main__":
    main()

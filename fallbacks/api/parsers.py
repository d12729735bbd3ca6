"""Request body parsing: DRF's JSON parser, made safe against bodies nested too deeply."""

import io

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

from fallbacks.errors import JSON_TOO_DEEP
from fallbacks.json_data import json_loads, json_text_nesting

JSON_PARSE_ERROR = "JSON parse error - {reason}"


class JSONParser(parsers.JSONParser):
    """Refuses a body that nests deeper than fallbacks.domain.MAX_JSON_DEPTH before parsing it, and a body
    whose object names a key twice (`{"model": "a", "model": "b"}`: json.loads would keep `b` silently).

    Python's json module recurses once per level, so a body of a few thousand `[` raised
    RecursionError, a 500; no request body of this API nests more than a few levels. The
    limit is the one deployment data has (fallbacks.json_data.json_text_nesting), and the answer is
    the 400 every other malformed body gets.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        try:
            text = body.decode(parsers.get_encoding(parser_context or {}))
        except UnicodeDecodeError:
            text = None  # the parser below refuses it, with the codec's words
        if text is None:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        if json_text_nesting(text) is not None:
            raise ParseError(JSON_PARSE_ERROR.format(reason=JSON_TOO_DEEP))
        try:
            return json_loads(text, parse_constant=strict_constant if self.strict else None)
        except ValueError as error:  # DuplicateKey is one, with where the key is
            raise ParseError(JSON_PARSE_ERROR.format(reason=error)) from None

"""What a LiteLLM gateway does with the chains (PRODUCT.md section 2). Pure: no ORM.

Chains arrive as a mapping `(source, fallback_type) -> [target, ...]`, source `*` being the
default chain, as fallbacks.selectors.chain_map builds it with one query.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fallbacks.validation import DEFAULT_CHAIN_SOURCE

ChainMap = Mapping[tuple[str, str], Sequence[str]]


@dataclass(frozen=True)
class DirectChain:
    targets: list[str]
    inherited_from: str | None = None  # "*" when the chain shown is the default one


def direct_chain(chains: ChainMap, model: str, fallback_type: str) -> DirectChain:
    """M's own chain of the type, else the `*` chain without M itself (the router skips M), else none."""
    own = chains.get((model, fallback_type))
    if own:
        return DirectChain(list(own))
    default = chains.get((DEFAULT_CHAIN_SOURCE, fallback_type))
    if default and model != DEFAULT_CHAIN_SOURCE:
        return DirectChain([name for name in default if name != model], inherited_from=DEFAULT_CHAIN_SOURCE)
    return DirectChain([])

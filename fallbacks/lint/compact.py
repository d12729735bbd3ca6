"""The chains as a compact integer graph, for the lint's walks of a request from every model at once. Pure: no ORM.

Every name is numbered once, every chain is a number with its targets as numbers, and the rule that names each model
(fallbacks.resolution.ChainResolver.rule_naming) is resolved once per chain type for all of them, so a walk is list
indexing of small integers. CutWalks.unreached finds, for each requester, what fallbacks.resolution.walk finds about
max_fallbacks cuts (tests/unit/test_compact_lint.py holds the lint built on it to attempt_plan on random graphs).
"""

from collections.abc import Collection, Iterable, Mapping

from fallbacks.domain import DEFAULT_CHAIN_SOURCE, GENERAL
from fallbacks.resolution import ChainMap, ChainResolver, general_when_no_typed_chain_applies

NONE = -1  # no chain
_GENERAL_NEXT = -2  # no chain of the error's type applies: look the general chains up (SERIES_RULES)


class _Numbering(dict):
    """Name -> number, giving a name it does not hold the next number when it is looked up."""

    def __missing__(self, name: str) -> int:
        number = self[name] = len(self)
        return number


class NumberedChains:
    """The chain map numbered: `names[n]` is name n, `keys[c]` and `targets[c]` chain c's key and numbered targets.
    Chains without targets are left out, as the router (and fallbacks.resolution) treats them as absent."""

    def __init__(self, chains: ChainMap, names: Iterable[str]):
        # `names` first, then each source and target as it first comes: numbered while the targets are (one pass over
        # every target, not a first one to gather the names before a second to number them).
        numbering = _Numbering((name, number) for number, name in enumerate(dict.fromkeys(names)))
        chains_with_targets = [(key, targets) for key, targets in chains.items() if targets]
        for source, _ in chains:
            numbering[source]  # numbered by being looked up
        self.targets: list[list[int]] = [
            list(map(numbering.__getitem__, targets)) for _, targets in chains_with_targets
        ]
        self.names: list[str] = list(numbering)
        self.number: dict[str, int] = dict(numbering)  # a plain dict: looking up a name that is none numbers nothing
        self.keys: list[tuple[str, str]] = [key for key, _ in chains_with_targets]
        self.key_number: dict[tuple[str, str], int] = {key: index for index, key in enumerate(self.keys)}

    def chain(self, key: tuple[str, str]) -> int:
        return self.key_number.get(key, NONE)

    def rules(self, resolver: ChainResolver, chain_type: str) -> list[int]:
        """For every name, the chain of `chain_type` whose rule names it (its own, else one of another spelling of
        it: ChainResolver.rule_naming), or NONE."""
        key_number = self.key_number
        rules = []
        for name in self.names:
            chain = key_number.get((name, chain_type), NONE)
            if chain == NONE:
                source = resolver.rule_naming(name, chain_type)
                chain = NONE if source is None else key_number[(source, chain_type)]
            rules.append(chain)
        return rules


class CutWalks:
    """The walks of requests for errors of one type, every model failing (fallbacks.resolution.walk with `failing`
    None), each from one requester, over one numbered graph and series."""

    def __init__(self, graph: NumberedChains, resolver: ChainResolver, fallback_type: str, max_fallbacks: int):
        self.graph = graph
        self.resolver = resolver
        self.max_fallbacks = max_fallbacks
        self.chain_type = chain_type = resolver.chain_type_for_error(fallback_type)
        self.default = graph.chain((DEFAULT_CHAIN_SOURCE, chain_type))
        # On a series that walks the general chains when no chain of the error's type applies (SERIES_RULES).
        self.general_too = chain_type != GENERAL and general_when_no_typed_chain_applies(fallback_type, resolver.series)
        self.general_default = graph.chain((DEFAULT_CHAIN_SOURCE, GENERAL))
        # Whether a model no chain of the type applies to walks the general chains (only without a `*` one).
        self.walks_general = self.general_too and self.default == NONE

    def unreached(self, requesters: Mapping[int, Collection[str]], found: dict[int, tuple[set[int], set[str]]]) -> None:
        """Walk from each of `requesters`; for each chain a walk reached with the count at max_fallbacks (Walk.cut)
        but whose targets it did not all try, add to `found[chain]` the targets it never tried and the names the
        requester stands for (`requesters[requester]`)."""
        rules = self.graph.rules(self.resolver, self.chain_type)
        general_rules = self.graph.rules(self.resolver, GENERAL) if self.general_too else []
        targets = self.graph.targets
        max_fallbacks = self.max_fallbacks
        tried = [0] * len(self.graph.names)  # the number of the last walk that tried each model
        cut: list[int] = []
        walk = otherwise = general_otherwise = 0

        def follow(failed: int, depth: int) -> None:
            chain = rules[failed]
            if chain == NONE:
                chain = otherwise
                if chain == _GENERAL_NEXT:
                    chain = general_rules[failed]
                    if chain == NONE:
                        chain = general_otherwise
                if chain == NONE:
                    return
            if depth >= max_fallbacks:
                cut.append(chain)
                return
            for target in targets[chain]:
                if tried[target] == walk:  # the model that just failed is tried too
                    continue
                tried[target] = walk
                depth += 1
                follow(target, depth)

        for requester, stands_for in requesters.items():
            walk += 1
            tried[requester] = walk
            # applicable_chain for (failed, requester): a model no rule names walks the requester's chain, else `*`'s.
            otherwise = rules[requester]
            if otherwise == NONE:
                otherwise = self.default if self.default != NONE or not self.general_too else _GENERAL_NEXT
            if otherwise == _GENERAL_NEXT:
                general_otherwise = general_rules[requester]
                if general_otherwise == NONE:
                    general_otherwise = self.general_default
            follow(requester, 0)
            for chain in cut:
                missed = [target for target in targets[chain] if tried[target] != walk]
                if missed:
                    if chain not in found:
                        found[chain] = (set(), set())
                    found[chain][0].update(missed)
                    found[chain][1].update(stands_for)
            cut.clear()

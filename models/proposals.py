"""Turn a suggestion into an accepted proposal (who, when, which code, on what evidence).

The proposal is appended to the overlay lexicon (:mod:`nlp.accepted`); the next
``signaal rescore`` re-analyzes and rescores every ad under it, because the
overlay is part of the analysis version and weight proposals are part of the
rules baseline's model version. Validation happens here, against the codes the
lexicons and ``rules.yaml`` know, so a proposal can never name a code the
pipeline would refuse.
"""

from __future__ import annotations

from typing import Any

from models.config import rules_config
from nlp import accepted, lexicon
from nlp.accepted import ProposalError

__all__ = ["ProposalError", "propose_exclusion", "propose_term", "propose_weight", "withdraw"]


def _known_code(code: str) -> str:
    if code not in lexicon.codes():
        raise ProposalError(f"unknown indicator code {code!r}")
    return code


def propose_term(code: str, term: str, *, by: str, evidence: dict[str, Any] | None = None) -> dict[str, Any]:
    """A new phrasing for ``code``: it fires wherever the lexicon's own terms would."""
    entry = {"action": "add_term", "code": _known_code(code), "term": term, "by": by}
    return accepted.append(entry | ({"evidence": evidence} if evidence else {}))


def propose_exclusion(code: str, term: str, *, by: str, evidence: dict[str, Any] | None = None) -> dict[str, Any]:
    """A phrasing that must no longer count for ``code`` (a match inside it is dropped)."""
    if code not in lexicon.load("indicators", ["nl", "en"]).get("codes", {}):
        raise ProposalError(f"{code} comes from entities (ages, contacts), not phrasings: change its weight")
    entry = {"action": "exclude", "code": _known_code(code), "term": term, "by": by}
    return accepted.append(entry | ({"evidence": evidence} if evidence else {}))


def propose_weight(code: str, weight: float, *, by: str, evidence: dict[str, Any] | None = None) -> dict[str, Any]:
    """A new rules-baseline weight for ``code`` (the learned model learns its own weights)."""
    if code not in rules_config().indicators:
        raise ProposalError(f"{code} has no weight in rules.yaml")
    entry = {"action": "weight", "code": code, "weight": weight, "by": by}
    return accepted.append(entry | ({"evidence": evidence} if evidence else {}))


def withdraw(proposal_id: str, *, by: str) -> dict[str, Any]:
    """Undo a proposal in force (recorded as a new entry; nothing is erased)."""
    return accepted.append({"action": "withdraw", "withdraws": proposal_id, "by": by})

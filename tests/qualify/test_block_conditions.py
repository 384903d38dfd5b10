"""A condition decided for a whole block (``test_block``) gives each contact the verdict ``test`` gives it alone."""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta

import pytest
from support.core import NOW, default_model

from connector.mapping.yamlfile import load_yaml
from connector.model import Activity, ActivityKind, Contact
from connector.qualify.block import Block
from connector.qualify.conditions import Condition, Scope, compile_condition
from connector.sandbox.synthetic import DEFAULT_NOW, people, to_common

# Every kind of leaf and combination, including what the default model does not use.
EXTRA = """
- {activity: {kind: [page_view, visit], url_regex: '/(pricing|plans)$'}, at_least: 2}
- {activity: {kind: any, within_days: 14}, at_most: 3}
- {activity: {kind: form_submission, detail: {form: [demo-request, Contact-Us]}}}
- {activity: {kind: [webinar_attended, event_attended], within_days: 60}, at_least: 1}
- {activity: {kind: visit}, at_least: 4}
- {n_of: 2, of: [{field: country, in: [US, DE]}, {field: company_size, gte: 200}, {field: job_title, present: true}]}
- {not: {field: industry, equals: software}}
- {any_of: [{field: attributes.tags, contains: vip}, {field: attributes.plan, absent: true}]}
- {field: annual_revenue, between: [1000000, 50000000]}
- {field: email_domain, regex: '\\.(io|com)$'}
- {all_of: [{score: {gte: 40}}, {fit: {lt: 70}}, {engagement: {gt: 10}}]}
- {disqualified: false}
"""


def conditions() -> list[Condition]:
    model = default_model()
    found: list[Condition] = [dq.condition for dq in model.disqualifiers]
    found += [path.condition for path in model.stage_paths]
    found += [rule.condition for rule in model.recycle]
    found += [rule.condition for axis in (model.fit, model.engagement) for group in axis.groups
              for rule in group.rules if rule.condition is not None]
    doc = load_yaml("extra.yaml", EXTRA)
    scope = Scope(doc)
    found += [compile_condition(spec, scope, (i,)) for i, spec in enumerate(doc.data)]
    return found


def contacts(n: int) -> list[tuple[Contact, list[Activity]]]:
    rng = random.Random(9)
    kinds = [k.value for k in ActivityKind]
    out = []
    for i, (contact, activities) in enumerate(to_common(p) for p in people(n, seed=5)):
        if i % 4 == 0:
            contact = dataclasses.replace(contact, signals={rng.choice(kinds): rng.randint(0, 9) for _ in range(3)})
        if i % 6 == 0:  # an unhashable custom field value, and forms with details
            contact = dataclasses.replace(contact, attributes={"tags": ["vip", "beta"]})
            activities = [*activities, Activity(contact.key, ActivityKind.FORM_SUBMISSION,
                                                DEFAULT_NOW - timedelta(days=i % 40), f"f{i}", {"form": "contact-us"})]
        out.append((contact, activities))
    return out


@pytest.mark.parametrize("days_later", [0, 45])
def test_block_verdicts_are_the_one_contact_verdicts(days_later: int) -> None:
    now = NOW + timedelta(days=days_later)
    items = contacts(300)
    block = Block(items, default_model().plan, now, now.timestamp())
    rng = random.Random(days_later)
    for row in range(block.size):  # scores and flags as the core would have set them (a contact's Facts read them)
        block.fit[row], block.engagement[row], block.score[row] = (rng.randint(0, 100) for _ in range(3))
        block.disqualified[row] = rng.random() < 0.2
    checked = 0
    for condition in conditions():
        verdicts = condition.test_block(block).tolist()
        alone = [condition.test(block.facts(row)) for row in range(block.size)]
        assert verdicts == alone, condition
        checked += 1 if any(alone) and not all(alone) else 0
    assert checked >= 20  # most conditions split the contacts: the comparison means something

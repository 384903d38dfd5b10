"""More than 10,000 contacts changed at the same millisecond (a bulk import): the incremental read pages by
hs_object_id past HubSpot's 10,000-result search cap and reads every contact exactly once."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from connector.sandbox.hubspot import HubSpotSandbox
from tests.crm.hubspot_support import adapter_for, sandbox_now, set_modified

# 14,700 people give about 10,150 HubSpot contacts; one activity each keeps generation cheap.
PEOPLE = 14_700


def test_more_than_10000_contacts_sharing_one_lastmodifieddate_are_each_read_once(
    hubspot_sandbox_factory: Callable[..., HubSpotSandbox],
) -> None:
    sandbox = hubspot_sandbox_factory(contacts=PEOPLE, activities_mean=1.0, rate_limit=100_000,
                                      search_rate_limit=1_000, cache_size=PEOPLE)
    ids = sandbox.contact_ids()
    assert len(ids) > 10_000
    at = sandbox_now(sandbox)
    set_modified(sandbox, ids, at)
    hubspot = adapter_for(sandbox, prepared=False)
    hubspot.read_archived = False

    seen = Counter(int(c.object_id) for page in hubspot.read_changed(at - timedelta(minutes=10),
                                                                        at + timedelta(seconds=1))
                   for c in page.contacts)
    assert sorted(seen) == ids
    assert set(seen.values()) == {1}
    # One search per 200 contacts (and one more that finds the end when the last page is full).
    assert hubspot.api.stats.calls["search"] == math.floor(len(ids) / 200) + 1

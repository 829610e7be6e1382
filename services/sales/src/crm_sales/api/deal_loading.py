"""Loading what a deal write needs: the deal (404, 412) and its pipeline (422)."""

from __future__ import annotations

import uuid

from crm_sales.adapters.deal_store import DealStore
from crm_sales.adapters.pipeline_store import PipelineStore
from crm_sales.api.deps import API_PREFIX
from crm_sales.domain.deal import Deal
from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.pipeline import Pipeline
from crm_shared.auth import Principal
from crm_shared.problems import not_found
from crm_shared.versioning import check_version


def etag(version: int) -> str:
    """The ETag of a resource version; clients send it back in If-Match."""
    return f'"{version}"'


def created_headers(kind: str, resource_id: uuid.UUID, version: int) -> dict[str, str]:
    """Location and ETag of a resource just created (`kind` is its collection)."""
    return {"Location": f"{API_PREFIX}/{kind}/{resource_id}", "ETag": etag(version)}


async def lock_deal(store: DealStore, deal_id: uuid.UUID, if_match: int | None) -> Deal:
    """The deal, locked until the transaction ends, at the version the client expects."""
    deal = await store.get(deal_id, lock=True)
    if deal is None:
        raise not_found("Deal")
    check_version(if_match, deal.version)
    return deal


async def pipeline_for_deal(store: PipelineStore, pipeline_id: uuid.UUID | None) -> Pipeline:
    """The pipeline a deal goes into (the default one for None), share-locked so that its
    stages cannot change under the deal; 422 naming `pipeline_id` if there is none."""
    pipeline = await store.get(pipeline_id, lock="share")
    if pipeline is None:
        raise InvalidDealError("no pipeline has this id", field="pipeline_id")
    return pipeline


def user_id(principal: Principal) -> uuid.UUID | None:
    """The caller's user id (None for an API key, whose subject is `apikey:<id>`)."""
    try:
        return uuid.UUID(principal.subject)
    except ValueError:
        return None

"""The Microsoft fake itself keeps Graph's and the identity platform's contract (so tests against it mean
something): PKCE is enforced, Graph wants a bearer token, transactionId deduplicates, delta tokens expire."""

from __future__ import annotations

import base64
import hashlib
import ssl

import httpx
import pytest

from tests.fakes.microsoft import MicrosoftFake


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


async def test_a_code_is_useless_without_the_matching_verifier(ms_fake: MicrosoftFake) -> None:
    redirect = "http://localhost:9"
    async with httpx.AsyncClient(base_url=ms_fake.base_url, verify=ssl.create_default_context(cafile=ms_fake.tls.cert)) as client:
        consent = await client.get("/common/oauth2/v2.0/authorize", params={
            "client_id": ms_fake.client_id, "redirect_uri": redirect, "response_type": "code",
            "scope": "Calendars.ReadWrite offline_access", "state": "s", "response_mode": "query",
            "code_challenge": _challenge("v" * 64), "code_challenge_method": "S256"})
        code = httpx.URL(consent.headers["location"]).params["code"]
        form = {"client_id": ms_fake.client_id, "grant_type": "authorization_code", "code": code,
                "redirect_uri": redirect}
        refused = await client.post("/common/oauth2/v2.0/token", data={**form, "code_verifier": "w" * 64})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert ms_fake.identity.verifiers_ok == 0


async def test_graph_needs_a_bearer_token_and_answers_in_graph_error_shape(ms_fake: MicrosoftFake) -> None:
    async with httpx.AsyncClient(base_url=ms_fake.base_url, verify=ssl.create_default_context(cafile=ms_fake.tls.cert)) as client:
        response = await client.get("/v1.0/me/calendars")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


async def test_transaction_id_dedupes_and_delta_reports_removals_then_410(ms_fake: MicrosoftFake) -> None:
    token = str(ms_fake.identity.mint(ms_fake.base_url, ["Calendars.ReadWrite"])["access_token"])
    headers = {"Authorization": f"Bearer {token}", "Prefer": 'outlook.timezone="UTC"'}
    cal = ms_fake.primary
    body = {"subject": "x", "transactionId": "t-1", "start": {"dateTime": "2024-03-12T10:00:00",
            "timeZone": "Europe/Berlin"}, "end": {"dateTime": "2024-03-12T11:00:00", "timeZone": "Europe/Berlin"}}
    async with httpx.AsyncClient(base_url=ms_fake.base_url, verify=ssl.create_default_context(cafile=ms_fake.tls.cert), headers=headers) as c:
        first = (await c.post(f"/v1.0/me/calendars/{cal.id}/events", json=body)).json()
        second = (await c.post(f"/v1.0/me/calendars/{cal.id}/events", json=body)).json()
        assert first["id"] == second["id"] and len(cal.all_events()) == 1
        assert first["start"] == {"dateTime": "2024-03-12T09:00:00.0000000", "timeZone": "UTC"}
        window = {"startDateTime": "2024-03-01T00:00:00Z", "endDateTime": "2024-04-01T00:00:00Z"}
        view = await c.get(f"/v1.0/me/calendars/{cal.id}/calendarView/delta", params=window)
        link = view.json()["@odata.deltaLink"]
        cal.delete_event(first["id"])
        changes = (await c.get(link)).json()
        assert changes["value"] == [{"id": first["id"], "@removed": {"reason": "deleted"}}]
        cal.expire_delta_tokens()
        gone = await c.get(changes["@odata.deltaLink"])
        assert gone.status_code == 410
        missing = await c.get(f"/v1.0/me/calendars/{cal.id}/calendarView")
        assert missing.status_code == 400


@pytest.mark.parametrize("status", [429, 503])
async def test_injected_failures_carry_retry_after(ms_fake: MicrosoftFake, status: int) -> None:
    ms_fake.inject("me.get", status, retry_after=7)
    token = str(ms_fake.identity.mint(ms_fake.base_url, ["Calendars.ReadWrite"])["access_token"])
    async with httpx.AsyncClient(base_url=ms_fake.base_url, verify=ssl.create_default_context(cafile=ms_fake.tls.cert)) as client:
        response = await client.get("/v1.0/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == status and response.headers["Retry-After"] == "7"
        assert (await client.get("/v1.0/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200
    assert ms_fake.counts["me.get"] == 2

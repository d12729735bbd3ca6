"""`/health` without a key; the OpenAPI schema with one, and its docs page for admin users."""

from fallbacks import errors


class TestHealthAndSchema:
    def test_health_needs_no_key(self, anonymous):
        assert anonymous.get("/health").json() == {"status": "ok"}
        ready = anonymous.get("/health/readiness")
        assert ready.status_code == 200
        assert ready.json()["status"] == "ok"

    def test_schema_needs_a_key_and_describes_the_endpoints(self, api, anonymous):
        assert anonymous.get("/api/schema").status_code == 401
        response = api.get("/api/schema?format=json")
        assert response.status_code == 200
        paths = response.json()["paths"]
        for path in ("/fallback", "/fallback/{model}", "/v1/models", "/models", "/model_groups", "/health"):
            assert path in paths

    def test_docs_page_is_for_admin_users(self, client, admin_user):
        assert client.get("/api/docs").status_code == 302
        client.force_login(admin_user)
        page = client.get("/api/docs")
        assert page.status_code == 200
        assert b"swagger" in page.content.lower()


def test_schema_errors_are_json(anonymous):
    response = anonymous.get("/api/schema")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"message": errors.AUTH_NO_KEY, "type": "auth_error", "param": "None", "code": "401"}
    }

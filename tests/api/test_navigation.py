"""One navigation for every page: /api/auth/me says who is logged in and which pages the role opens."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.helpers.clocks import FakeClock
from tests.watchd.attendance.office import open_office
from watchd.app import Services
from watchd.services.permissions import GRANTS, Permission

EVERY_PAGE = ["/admin", "/reports", "/duty", "/dashboard", "/visits", "/worklog", "/appraisal", "/rectification"]


def test_each_role_is_offered_exactly_the_pages_it_may_open(
    make_services: Callable[..., Services], admin_headers_for: Callable[[Services], tuple[Services, TestClient, dict[str, str]]],
    clock: FakeClock,
) -> None:
    office = open_office(make_services, admin_headers_for, clock)
    api = office.client

    def me(headers: dict[str, str]) -> dict[str, object]:
        r = api.get("/api/auth/me", headers=headers)
        assert r.status_code == 200, r.text
        body: dict[str, object] = r.json()
        return body

    admin = me(office.admin)
    assert admin["pages"] == [
        {"path": "/admin", "title": "签到管理"}, {"path": "/reports", "title": "考勤报表"},
        {"path": "/duty", "title": "值班管理"}, {"path": "/dashboard", "title": "值班大屏"},
        {"path": "/visits", "title": "走访登记"}, {"path": "/worklog", "title": "工作日志"},
        {"path": "/appraisal", "title": "考核评议"}, {"path": "/rectification", "title": "整改台账"},
    ]
    assert (admin["username"], admin["role_name"], admin["name"]) == ("admin", "管理员", None)
    assert admin["permissions"] == sorted(p.value for p in Permission)
    paths = {role: [p["path"] for p in me(office.login(user, role))["pages"]]  # type: ignore[attr-defined]
             for user, role in [("l001", "leader"), ("duty1", "duty_officer"), ("c001", "cadre")]}
    assert paths == {
        "leader": EVERY_PAGE,
        "duty_officer": ["/duty", "/dashboard", "/visits", "/worklog", "/appraisal", "/rectification"],
        "cadre": ["/duty", "/visits", "/worklog", "/appraisal", "/rectification"],
    }
    # A cadre's login is their person id: the pages greet them by name, never by the id.
    cadre = me({"Authorization": office.login("c002", "cadre")["Authorization"]})
    assert (cadre["username"], cadre["name"], cadre["role_name"]) == ("c002", "巴特尔", "干部")
    assert cadre["permissions"] == sorted(p.value for p in GRANTS["cadre"])
    assert api.get("/api/auth/me").status_code == 401


def test_every_offered_page_opens_for_its_role(
    make_services: Callable[..., Services], admin_headers_for: Callable[[Services], tuple[Services, TestClient, dict[str, str]]],
    clock: FakeClock,
) -> None:
    """The navigation offers a page only when the page's first view answers for that role."""
    office = open_office(make_services, admin_headers_for, clock)
    first_view = {
        "/admin": "/api/checkins/by-village", "/reports": "/api/reports/daily", "/duty": "/api/duty/rooms",
        "/dashboard": "/api/dashboard/state", "/visits": "/api/pairings?person=c001",
        "/worklog": "/api/worklog/me",
        "/appraisal": "/api/appraisal/sheets", "/rectification": "/api/rectifications",
    }
    for user, role in [("l001", "leader"), ("duty1", "duty_officer"), ("c001", "cadre")]:
        headers = office.login(user, role)
        offered = {p["path"] for p in office.client.get("/api/auth/me", headers=headers).json()["pages"]}
        for page, api_path in first_view.items():
            status = office.client.get(api_path, headers=headers).status_code
            assert (status == 200) == (page in offered), (role, page, status)


SIGNED_IN_PAGES = {
    "/admin": ("签到管理", "用户名"), "/reports": ("考勤报表", "用户名"), "/duty": ("值班管理", "用户名"),
    "/visits": ("走访登记", "用户名（人员编号）"), "/worklog": ("工作日志", "用户名（人员编号）"),
    "/appraisal": ("考核评议", "用户名"), "/rectification": ("整改台账", "用户名"),
}


def test_the_office_pages_share_one_login_form_and_one_top_bar_titled_for_each(client: TestClient) -> None:
    """The same login form (username, password, error line) and top bar (title, navigation, user, 退出) on
    every office page, with the page's own title; nothing of the page's template shows through."""
    for path, (title, user_label) in SIGNED_IN_PAGES.items():
        html = client.get(path).text
        assert "<!--#" not in html, path
        assert f"<h1>{title} · 登录</h1>" in html, path
        assert f'<label for="login-username">{user_label}</label>' in html, path
        for element in ('id="login-form"', 'id="login-username" name="username"', 'id="login-password" name="password"',
                        'id="login-error"', '<header class="a-top">', 'id="site-nav"', 'id="username"', 'id="logout"'):
            assert html.count(element) == 1, (path, element)
        assert f"<h1>{title}</h1>" in html, path

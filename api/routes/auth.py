from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import Credentials, ServicesDep, UserDep
from api.routes.pages import pages_for
from api.schemas import LoginRequest, LoginResponse, MeOut, PageLinkOut
from watchd.errors import NotFound
from watchd.services.permissions import GRANTS, ROLE_NAMES

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post(
    "/login", response_model=LoginResponse,
    responses={401: {"description": "Wrong user name or password (code bad_credentials)"}},
)
def login(body: LoginRequest, services: ServicesDep) -> LoginResponse:
    issued = services.auth.login(body.username, body.password)
    return LoginResponse(
        token=issued.token, expires_at=issued.expires_at, username=issued.principal.username,
        role=issued.principal.role,
    )


@router.post("/logout", status_code=204)
def logout(services: ServicesDep, user: UserDep, creds: Credentials) -> Response:
    if creds is not None:
        services.auth.logout(creds.credentials)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut)
def me(services: ServicesDep, user: UserDep) -> MeOut:
    """Who this login is, and the pages its role may open (every page's navigation asks)."""
    try:
        name: str | None = services.people.get(user.username).name
    except NotFound:  # an office login, not a person
        name = None
    return MeOut(
        username=user.username, role=user.role, role_name=ROLE_NAMES.get(user.role, user.role), name=name,
        pages=[PageLinkOut(path=p.path, title=p.title) for p in pages_for(user.role)],
        permissions=sorted(p.value for p in GRANTS.get(user.role, ())),
    )

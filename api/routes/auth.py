from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import Credentials, ServicesDep, UserDep
from api.schemas import LoginRequest, LoginResponse

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/login", response_model=LoginResponse)
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

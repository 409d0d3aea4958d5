"""Typed dependencies: the services from the lifespan state, the logged-in user, the calling kiosk."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from watchd.app import Services
from watchd.errors import Forbidden, Unauthorized
from watchd.services.auth import KioskIdentity, Principal

bearer = HTTPBearer(auto_error=False, description="Login token (POST /api/auth/login) or a kiosk device token.")


def get_services(request: Request) -> Services:
    services: Services = request.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def current_user(services: ServicesDep, creds: Credentials) -> Principal:
    if creds is None:
        raise Unauthorized("not_authenticated", "a bearer token is required")
    return services.auth.principal(creds.credentials)


def current_admin(user: Annotated[Principal, Depends(current_user)]) -> Principal:
    if user.role != "admin":
        raise Forbidden("forbidden", f"role {user.role!r} may not do this")
    return user


def current_kiosk(services: ServicesDep, creds: Credentials) -> KioskIdentity:
    if creds is None:
        raise Unauthorized("unknown_device", "a device token is required")
    return services.auth.kiosk(creds.credentials)


UserDep = Annotated[Principal, Depends(current_user)]
AdminDep = Annotated[Principal, Depends(current_admin)]
KioskDep = Annotated[KioskIdentity, Depends(current_kiosk)]

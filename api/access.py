"""Route permissions: each route names one permission as a dependency; the role matrix decides.

`Allowed(P.x)` is the dependency (it also needs a valid login token); `document_permissions`
writes each operation's permission and the roles holding it into the OpenAPI document
(`x-permission`, `x-roles`), which is how API users, docs/access.md and the tests see them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api.deps import UserDep
from watchd.errors import ServiceError
from watchd.messages import zh
from watchd.services.auth import Principal
from watchd.services.permissions import LABELS, ROLE_NAMES, Permission, allows, roles_with

P = Permission


class PermissionDenied(ServiceError):
    """403 with code `forbidden`; `text` says in Chinese what is missing and for which role."""

    status = 403

    def __init__(self, user: Principal, permission: Permission) -> None:
        super().__init__(
            "forbidden", f"role {user.role!r} lacks permission {permission.value!r}",
            permission=permission.value, role=user.role,
        )
        self.text = f"{zh('forbidden')}：{LABELS[permission]}（当前账号角色：{ROLE_NAMES.get(user.role, user.role)}）"


class Allowed:
    """A dependency: the logged-in user, when their role holds `permission`; else 403."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(self, user: UserDep) -> Principal:
        if not allows(user.role, self.permission):
            raise PermissionDenied(user, self.permission)
        return user

    def __repr__(self) -> str:
        return f"Allowed({self.permission.value})"


def allowed(permission: Permission) -> Any:
    """`@router.get(path, dependencies=[allowed(P.reports_read)])`: the route's one permission.

    The login itself is looked up once per request (FastAPI caches `current_user`), so a route
    that also takes `user: UserDep` gets the same principal.
    """
    return Depends(Allowed(permission))


def route_permission(dependant: Dependant) -> Permission | None:
    """The permission a route's dependencies ask for (searched through sub-dependencies)."""
    for dep in dependant.dependencies:
        if isinstance(dep.call, Allowed):
            return dep.call.permission
        found = route_permission(dep)
        if found is not None:
            return found
    return None


def document_permissions(router: APIRouter) -> None:
    """Put each route's permission into the OpenAPI document (call before including the router)."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        permission = route_permission(route.dependant)
        if permission is None:
            continue
        extra = dict(route.openapi_extra or {})
        extra.update({"x-permission": permission.value, "x-roles": roles_with(permission)})
        route.openapi_extra = extra

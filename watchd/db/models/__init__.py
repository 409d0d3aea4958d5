"""All tables; importing this module registers them on Base.metadata."""

from watchd.db.models.auth import AuthToken, User
from watchd.db.models.checkin import Checkin
from watchd.db.models.people import FaceTemplate, Person, PersonVillage
from watchd.db.models.sites import Device, Site

__all__ = ["AuthToken", "Checkin", "Device", "FaceTemplate", "Person", "PersonVillage", "Site", "User"]

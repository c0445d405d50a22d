"""Extensions, created without an app and bound in `create_app` with `init_app`."""

from __future__ import annotations

from functools import cached_property

from flask_babel import Babel, Domain
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from likeness.models.base import Base
from likeness.translation import RequestCachedDomain


class CachedBabel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:
        return RequestCachedDomain(domain=self.domain)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = CachedBabel()
# No default limits: only the routes that need throttling declare them.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


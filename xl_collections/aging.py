"""Public name kept for users' scripts: ``xl_collections.aging.age`` (the aging lives in
:mod:`xl_collections.ar.aging`)."""
from .ar.aging import *  # noqa: F401,F403
from .ar.aging import age  # noqa: F401

"""The photo library: uploads, photos and faces, people, imported names, share links, the
take-down register and the template policy."""

from admin.library import disclosures, metadata, people, policy, views  # noqa: F401  (registers the routes)

"""Infrastructure every area uses: the unit of work, the job outbox and registry, the
worker, Redis, storage, audit, mail, PDFs, signed links, the clock.

Nothing here imports an area (library, consent, dsr, staff): areas build on the
platform, never the other way round.
"""

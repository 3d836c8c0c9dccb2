"""The API toolkit the apps' views share (docs/architecture.md): among it the
error classes (`errors`) and the one place they become the contract's error body
(`handlers`), the query-parameter serializers (`params`), the body fields
several apps share (`fields`) and the slug-keyed schema helpers (`slugs`).

It sits below the apps: it imports Django, DRF and their add-ons, never
`osrsdiff`, `progress`, `players` or `hiscores`. It is a package, not an app: no
models, nothing in INSTALLED_APPS.
"""

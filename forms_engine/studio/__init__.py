"""The process designer studio (`/studio/`): town-hall staff build, preview, test, compare
and publish processes without writing JSON. Pages only: the writes are catalog services
(`catalog.services`, `catalog.review`) and the pure process language (`definitions`)."""

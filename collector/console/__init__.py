"""The ops console: server-rendered pages over the API's views, roles and owner scoping."""

"""The Developer Workbench: web pages the platform serves at ``/workbench/`` (server-side
templates, a little plain JavaScript, every asset served by the platform itself) to run raw
JSON configs, follow jobs, read their history and audit trails, and see the platform's
health. Signed in with the same tokens as the API."""

"""The coordinators' web dashboard (issue #18): server-rendered pages in the same FastAPI app, on the
same core, repositories and access rules as the chat."""

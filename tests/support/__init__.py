"""Test helpers: in-memory fakes of our own ports and small builders."""

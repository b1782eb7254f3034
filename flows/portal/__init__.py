"""The submission portal (issue 21): web pages and a JSON API for departments, the office and reviewers."""

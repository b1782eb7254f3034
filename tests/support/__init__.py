"""What several test modules share: the mini jurisdiction, prepared runs in the background, the
bad-file corpus, hand-built report contexts, the headless-Chromium driver. No test module imports another."""

"""The portal's plain logic: its database, accounts, configuration and inbox file names."""

"""The findings ledger: the closed loop's states and legal transitions, every change an event (lifecycle), and the
photos that prove rectification (evidence)."""
